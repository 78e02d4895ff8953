package main

import (
	"errors"
	"log/slog"

	"github.com/copbot/copbot/bot"
)

// discordAdapters builds the Discord adapters the configuration enables
// (gateway, HTTP interactions), none when Discord is not configured.
func discordAdapters(cfg Config, _ *slog.Logger) ([]bot.Adapter, error) {
	if !cfg.DiscordGateway() && !cfg.DiscordHTTP() {
		return nil, nil
	}
	return nil, errors.New("this build of copbot has no Discord adapter yet; unset the DISCORD_* variables or use a newer build")
}
