package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/bot/discord"
)

// discordAdapters builds the Discord adapter the configuration enables: one
// adapter serves the gateway (DISCORD_BOT_TOKEN) and the HTTP interactions
// endpoint (DISCORD_PUBLIC_KEY), since the core keeps one adapter per
// platform for its callbacks. None when Discord is not configured.
func discordAdapters(cfg Config, log *slog.Logger, reg prometheus.Registerer) ([]bot.Adapter, error) {
	if !cfg.DiscordGateway() && !cfg.DiscordHTTP() {
		return nil, nil
	}
	a, err := newDiscord(cfg, log, reg)
	if err != nil {
		return nil, err
	}
	return []bot.Adapter{a}, nil
}

func newDiscord(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*discord.Adapter, error) {
	shard, shards := cfg.Shard()
	return discord.New(discord.Options{
		Token: cfg.DiscordBotToken, AppID: cfg.DiscordAppID, PublicKey: cfg.DiscordPublicKey, APIURL: cfg.DiscordAPIURL,
		SpoolDir: cfg.SpoolDir, ShardID: shard, ShardCount: shards, Registerer: reg,
	}, log.With(slog.String("platform", "discord")))
}

// runDiscord serves `copbot discord register [--guild ID]`: it overwrites
// the application's commands with /cop, in one guild (at once) or globally.
func runDiscord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "register" {
		return &usageError{msg: "usage: copbot discord register [--guild ID]"}
	}
	fs := flag.NewFlagSet("discord register", flag.ContinueOnError)
	guild := fs.String("guild", "", "register in this guild only (immediate); default: globally")
	if err := parseFlags(fs, args[1:], stdout, "copbot discord register [--guild ID]"); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected arguments %q; usage: copbot discord register [--guild ID]", fs.Args())}
	}
	cfg, err := loadConfig(false)
	if err != nil {
		return err
	}
	if !cfg.DiscordGateway() {
		return &ConfigError{Problems: []string{"registering commands needs DISCORD_BOT_TOKEN and DISCORD_APP_ID"}}
	}
	cfg.DiscordPublicKey = "" // registering serves nothing
	a, err := newDiscord(cfg, newLogger(stderr, cfg.Level(slog.LevelWarn), cfg.Secrets()...), nil)
	if err != nil {
		return err
	}
	cmds, err := a.Register(ctx, *guild)
	if err != nil {
		return err
	}
	if len(cmds) == 0 {
		return errors.New("discord registered no commands")
	}
	where := "globally (Discord may take up to an hour to show them everywhere)"
	if *guild != "" {
		where = "in guild " + *guild
	}
	fmt.Fprintf(stdout, "registered /%s %s\n", cmds[0].Name, where)
	return nil
}
