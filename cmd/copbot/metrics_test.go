package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/bot"
)

// TestMetrics_SlackAndDiscordShareTheRegistry: with both platforms
// configured, both adapters register their collectors on the one registry
// GET /metrics serves (same names, the platform label apart); a registry
// refuses one name with two help texts, which would stop copbot serve.
func TestMetrics_SlackAndDiscordShareTheRegistry(t *testing.T) {
	cfg := Config{SlackBotToken: "xoxb-1", SlackSigningSecret: "s", SlackAPIURL: "http://127.0.0.1:1/api/",
		DiscordAppID: "110000000000000001", DiscordPublicKey: strings.Repeat("ab", 32), DiscordAPIURL: "http://127.0.0.1:1/api/v10/",
		SpoolDir: t.TempDir()}
	log := slog.New(slog.DiscardHandler)
	for _, order := range [][]func(Config, *slog.Logger, prometheus.Registerer) ([]bot.Adapter, error){
		{slackAdapters, discordAdapters}, {discordAdapters, slackAdapters},
	} {
		reg := newMetrics()
		for _, build := range order {
			adapters, err := build(cfg, log, reg)
			if err != nil || len(adapters) != 1 {
				t.Fatalf("%d adapters, %v; want one on the shared registry", len(adapters), err)
			}
		}
		if _, err := reg.Gather(); err != nil {
			t.Errorf("gather: %v", err)
		}
	}
}
