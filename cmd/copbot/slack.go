package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/bot"
	slackbot "github.com/copbot/copbot/bot/slack"
)

// slackAdapters builds the Slack adapter the configuration enables: HTTP
// mode (SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET: the /slack/* routes), Socket
// Mode (SLACK_BOT_TOKEN + SLACK_APP_TOKEN), or both at once in one adapter,
// since both speak for the same app and the core keeps one adapter per
// platform. None when Slack is not configured. Every Web API call goes to
// SLACK_API_URL.
func slackAdapters(cfg Config, log *slog.Logger, reg prometheus.Registerer) ([]bot.Adapter, error) {
	if !cfg.SlackHTTP() && !cfg.SlackSocket() {
		return nil, nil
	}
	opts := &slackbot.Options{APIURL: cfg.SlackAPIURL, Registerer: reg}
	if cfg.SlackHTTP() {
		opts.SigningSecret = cfg.SlackSigningSecret
	}
	if cfg.SlackSocket() {
		opts.AppToken = cfg.SlackAppToken
	}
	a, err := slackbot.New(cfg.SlackBotToken, opts, log.With(slog.String("platform", "slack")))
	if err != nil {
		return nil, err
	}
	return []bot.Adapter{a}, nil
}
