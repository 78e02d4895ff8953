package main

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/bot"
)

// slackAdapters builds the Slack adapters the configuration enables (HTTP
// mode, Socket Mode), none when Slack is not configured.
func slackAdapters(cfg Config, _ *slog.Logger, _ prometheus.Registerer) ([]bot.Adapter, error) {
	if !cfg.SlackHTTP() && !cfg.SlackSocket() {
		return nil, nil
	}
	return nil, errors.New("this build of copbot has no Slack adapter yet; unset the SLACK_* variables or use a newer build")
}
