package main

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kelseyhightower/envconfig"
)

// Config is everything copbot reads from the environment, read once here
// and passed down. Every variable is read as text and checked by check, so
// that a variable set to "" means the same as one not set (compose files do
// that) and one start reports every problem, not just the first.
type Config struct {
	DatabaseURL     string `envconfig:"DATABASE_URL"`
	HTTPAddr        string `envconfig:"COPBOT_HTTP_ADDR"`
	AdminAddr       string `envconfig:"COPBOT_ADMIN_ADDR"`
	Pprof           string `envconfig:"COPBOT_PPROF"`
	LogLevel        string `envconfig:"COPBOT_LOG_LEVEL"`
	ShutdownTimeout string `envconfig:"COPBOT_SHUTDOWN_TIMEOUT"`
	JobRescueAfter  string `envconfig:"COPBOT_JOB_RESCUE_AFTER"`
	SpoolDir        string `envconfig:"COPBOT_SPOOL_DIR"`

	SlackBotToken      string `envconfig:"SLACK_BOT_TOKEN"`
	SlackSigningSecret string `envconfig:"SLACK_SIGNING_SECRET"`
	SlackAppToken      string `envconfig:"SLACK_APP_TOKEN"`
	SlackAPIURL        string `envconfig:"SLACK_API_URL"`

	DiscordBotToken   string `envconfig:"DISCORD_BOT_TOKEN"`
	DiscordAppID      string `envconfig:"DISCORD_APP_ID"`
	DiscordPublicKey  string `envconfig:"DISCORD_PUBLIC_KEY"`
	DiscordAPIURL     string `envconfig:"DISCORD_API_URL"`
	DiscordShardID    string `envconfig:"DISCORD_SHARD_ID"`
	DiscordShardCount string `envconfig:"DISCORD_SHARD_COUNT"`

	// Parsed by check from the text above.
	shutdownTimeout time.Duration
	jobRescueAfter  time.Duration
	shardID         int
	shardCount      int
	pprof           bool
}

// defaults fills in what an unset (or empty) variable means.
func (c *Config) defaults() {
	for _, d := range []struct {
		field *string
		value string
	}{
		{&c.HTTPAddr, ":8080"},
		{&c.ShutdownTimeout, "25s"},
		{&c.JobRescueAfter, "2m"},
		{&c.SlackAPIURL, "https://slack.com/api/"},
		{&c.DiscordAPIURL, "https://discord.com/api/v10/"},
		{&c.SpoolDir, defaultSpoolDir()},
	} {
		if *d.field == "" {
			*d.field = d.value
		}
	}
}

// defaultSpoolDir keeps Discord's spool of unrecorded events in the user's
// cache directory, or nowhere when there is none (check then asks for one).
func defaultSpoolDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "copbot", "spool")
}

// Shard is DISCORD_SHARD_ID and DISCORD_SHARD_COUNT: shard 0 of 1 unless set.
func (c Config) Shard() (id, count int) { return c.shardID, max(c.shardCount, 1) }

// Profiling says whether net/http/pprof is served, on the admin listener.
func (c Config) Profiling() bool { return c.pprof }

// Shutdown is how long a stopping copbot waits for work in flight.
func (c Config) Shutdown() time.Duration { return c.shutdownTimeout }

// JobRescue is how long a job left running by a copbot process that died
// waits before another process takes it over.
func (c Config) JobRescue() time.Duration { return c.jobRescueAfter }

// Secrets are the values no log line may hold: tokens, the signing secret,
// the database password.
func (c Config) Secrets() []string {
	secrets := []string{c.SlackBotToken, c.SlackSigningSecret, c.SlackAppToken, c.DiscordBotToken}
	if pc, err := pgxpool.ParseConfig(c.DatabaseURL); c.DatabaseURL != "" && err == nil {
		secrets = append(secrets, pc.ConnConfig.Password)
	}
	return secrets
}

// ConfigError lists every configuration problem, so that one start tells
// the operator all there is to fix.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "configuration problems:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// loadConfig reads the environment and checks it. needDatabase is false for subcommands that can run on a
// throwaway database.
func loadConfig(needDatabase bool) (Config, error) {
	var cfg Config
	if err := envconfig.Process("", &cfg); err != nil {
		return cfg, fmt.Errorf("read environment: %w", err)
	}
	cfg.defaults()
	problems := cfg.check(needDatabase)
	if len(problems) > 0 {
		return cfg, &ConfigError{Problems: problems}
	}
	return cfg, nil
}

// Level is COPBOT_LOG_LEVEL, or fallback when it is not set.
func (c Config) Level(fallback slog.Level) slog.Level {
	var l slog.Level
	if c.LogLevel == "" || l.UnmarshalText([]byte(c.LogLevel)) != nil {
		return fallback
	}
	return l
}

// SlackHTTP, SlackSocket, DiscordGateway and DiscordHTTP say which ways of
// talking to each platform the configuration enables.
func (c Config) SlackHTTP() bool      { return c.SlackBotToken != "" && c.SlackSigningSecret != "" }
func (c Config) SlackSocket() bool    { return c.SlackBotToken != "" && c.SlackAppToken != "" }
func (c Config) DiscordGateway() bool { return c.DiscordBotToken != "" && c.DiscordAppID != "" }
func (c Config) DiscordHTTP() bool    { return c.DiscordPublicKey != "" && c.DiscordAppID != "" }

// JobPlatforms are the platforms whose captures and notices this process
// can work: Slack with its bot token; Discord only with its bot token too,
// since the interactions endpoint alone cannot call Discord's REST API.
func (c Config) JobPlatforms() []string {
	platforms := []string{}
	if c.SlackBotToken != "" {
		platforms = append(platforms, "slack")
	}
	if c.DiscordBotToken != "" {
		platforms = append(platforms, "discord")
	}
	return platforms
}

func (c *Config) check(needDatabase bool) []string {
	var p []string
	if c.DatabaseURL == "" {
		if needDatabase {
			p = append(p, "DATABASE_URL is not set (a PostgreSQL connection string, e.g. postgres://copbot@localhost/copbot)")
		}
	} else if _, err := pgxpool.ParseConfig(c.DatabaseURL); err != nil {
		p = append(p, "DATABASE_URL is not a valid PostgreSQL connection string: "+err.Error())
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		p = append(p, fmt.Sprintf("COPBOT_HTTP_ADDR=%q is not a listen address like :8080 or 127.0.0.1:8080", c.HTTPAddr))
	}
	p = append(p, c.checkAdmin()...)
	var level slog.Level
	if c.LogLevel != "" && level.UnmarshalText([]byte(c.LogLevel)) != nil {
		p = append(p, fmt.Sprintf("COPBOT_LOG_LEVEL=%q is not one of debug, info, warn, error", c.LogLevel))
	}
	if d, err := time.ParseDuration(c.JobRescueAfter); err != nil || d < 2*time.Second {
		p = append(p, fmt.Sprintf("COPBOT_JOB_RESCUE_AFTER=%q is not a duration of at least 2s, like 2m", c.JobRescueAfter))
	} else {
		c.jobRescueAfter = d
	}
	if d, err := time.ParseDuration(c.ShutdownTimeout); err != nil || d <= 0 {
		p = append(p, fmt.Sprintf("COPBOT_SHUTDOWN_TIMEOUT=%q is not a positive duration like 25s", c.ShutdownTimeout))
	} else {
		c.shutdownTimeout = d
	}

	slack := c.SlackBotToken != "" || c.SlackSigningSecret != "" || c.SlackAppToken != ""
	if slack && c.SlackBotToken == "" {
		p = append(p, "SLACK_BOT_TOKEN is not set; Slack needs it with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)")
	}
	if c.SlackBotToken != "" && c.SlackSigningSecret == "" && c.SlackAppToken == "" {
		p = append(p, "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is")
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		p = append(p, "SLACK_APP_TOKEN should be an app-level token starting with xapp-")
	}
	p = append(p, checkBaseURL("SLACK_API_URL", c.SlackAPIURL)...)

	if (c.DiscordBotToken != "" || c.DiscordPublicKey != "") && c.DiscordAppID == "" {
		p = append(p, "DISCORD_APP_ID is not set; Discord needs it with DISCORD_BOT_TOKEN (gateway) or DISCORD_PUBLIC_KEY (HTTP interactions)")
	}
	if c.DiscordAppID != "" && c.DiscordBotToken == "" && c.DiscordPublicKey == "" {
		p = append(p, "DISCORD_APP_ID is set but neither DISCORD_BOT_TOKEN (gateway) nor DISCORD_PUBLIC_KEY (HTTP interactions) is")
	}
	if k := c.DiscordPublicKey; k != "" {
		if b, err := hex.DecodeString(k); err != nil || len(b) != 32 {
			p = append(p, "DISCORD_PUBLIC_KEY should be the application's public key: 64 hexadecimal characters")
		}
	}
	p = append(p, checkBaseURL("DISCORD_API_URL", c.DiscordAPIURL)...)
	p = append(p, c.checkShard()...)
	if c.DiscordGateway() && c.SpoolDir == "" {
		p = append(p, "COPBOT_SPOOL_DIR is not set and there is no user cache directory to default to; "+
			"the Discord gateway keeps events there while the database is down")
	}
	return p
}

// checkAdmin reads COPBOT_ADMIN_ADDR and COPBOT_PPROF: profiles are served
// only on a listener of their own, never beside Slack's and Discord's routes.
func (c *Config) checkAdmin() []string {
	var p []string
	if c.AdminAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
			p = append(p, fmt.Sprintf("COPBOT_ADMIN_ADDR=%q is not a listen address like :9090 or 127.0.0.1:9090", c.AdminAddr))
		} else if c.AdminAddr == c.HTTPAddr {
			p = append(p, fmt.Sprintf("COPBOT_ADMIN_ADDR=%q is COPBOT_HTTP_ADDR too; the admin listener needs an address of its own", c.AdminAddr))
		}
	}
	if c.Pprof != "" {
		on, err := strconv.ParseBool(c.Pprof)
		switch {
		case err != nil:
			p = append(p, fmt.Sprintf("COPBOT_PPROF=%q is not true or false", c.Pprof))
		case on && c.AdminAddr == "":
			p = append(p, "COPBOT_PPROF=true needs COPBOT_ADMIN_ADDR: profiles are served only on the admin listener")
		default:
			c.pprof = on
		}
	}
	return p
}

// checkShard reads DISCORD_SHARD_ID and DISCORD_SHARD_COUNT: both or neither,
// with 0 ≤ id < count.
func (c *Config) checkShard() []string {
	if c.DiscordShardID == "" && c.DiscordShardCount == "" {
		return nil
	}
	if c.DiscordShardID == "" || c.DiscordShardCount == "" {
		return []string{"DISCORD_SHARD_ID and DISCORD_SHARD_COUNT go together: set both or neither"}
	}
	id, idErr := strconv.Atoi(c.DiscordShardID)
	count, countErr := strconv.Atoi(c.DiscordShardCount)
	if idErr != nil || countErr != nil || count < 1 || id < 0 || id >= count {
		return []string{fmt.Sprintf("DISCORD_SHARD_ID=%q and DISCORD_SHARD_COUNT=%q should be whole numbers with 0 ≤ id < count",
			c.DiscordShardID, c.DiscordShardCount)}
	}
	c.shardID, c.shardCount = id, count
	return nil
}

func checkBaseURL(name, v string) []string {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return []string{fmt.Sprintf("%s=%q is not an http(s) URL", name, v)}
	}
	return nil
}
