package main

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// configEnv lists every variable copbot reads, so each case starts clean.
var configEnv = []string{
	"DATABASE_URL", "COPBOT_HTTP_ADDR", "COPBOT_ADMIN_ADDR", "COPBOT_PPROF", "COPBOT_LOG_LEVEL", "COPBOT_SHUTDOWN_TIMEOUT",
	"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
	"DISCORD_BOT_TOKEN", "DISCORD_APP_ID", "DISCORD_PUBLIC_KEY", "DISCORD_API_URL",
	"COPBOT_SPOOL_DIR", "DISCORD_SHARD_ID", "DISCORD_SHARD_COUNT",
}

func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range configEnv {
		t.Setenv(k, env[k]) // restores the variable after the test
		if _, ok := env[k]; !ok {
			os.Unsetenv(k)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	const db = "postgres://copbot@localhost/copbot"
	const key = "e7cb2b8a8d3d5e4b1c0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c"
	tests := []struct {
		name         string
		env          map[string]string
		needDatabase bool
		problems     []string // substrings, one per expected problem
		check        func(t *testing.T, c Config)
	}{
		{name: "DevNeedsNothing", env: nil, check: func(t *testing.T, c Config) {
			if c.HTTPAddr != ":8080" || c.SlackAPIURL != "https://slack.com/api/" || c.DiscordAPIURL != "https://discord.com/api/v10/" {
				t.Errorf("defaults not applied: %+v", c)
			}
		}},
		{name: "ServeNeedsDatabase", needDatabase: true, problems: []string{"DATABASE_URL is not set"}},
		{name: "AdminListenerWithProfiles", env: map[string]string{"COPBOT_ADMIN_ADDR": "127.0.0.1:9090", "COPBOT_PPROF": "true"},
			check: func(t *testing.T, c Config) {
				if c.AdminAddr != "127.0.0.1:9090" || !c.Profiling() {
					t.Errorf("want the admin listener with profiles: %+v", c)
				}
			}},
		{name: "NoProfilesByDefault", env: map[string]string{"COPBOT_ADMIN_ADDR": ":9090"},
			check: func(t *testing.T, c Config) {
				if c.Profiling() {
					t.Errorf("profiles served without COPBOT_PPROF: %+v", c)
				}
			}},
		{name: "ProfilesNeedTheAdminListener", env: map[string]string{"COPBOT_PPROF": "true"},
			problems: []string{"COPBOT_PPROF=true needs COPBOT_ADMIN_ADDR"}},
		{name: "AdminListenerBadValues", env: map[string]string{"COPBOT_ADMIN_ADDR": "9090", "COPBOT_PPROF": "sometimes"},
			problems: []string{`COPBOT_ADMIN_ADDR="9090" is not a listen address`, `COPBOT_PPROF="sometimes" is not true or false`}},
		{name: "AdminListenerOfItsOwn", env: map[string]string{"COPBOT_HTTP_ADDR": ":8080", "COPBOT_ADMIN_ADDR": ":8080"},
			problems: []string{"the admin listener needs an address of its own"}},
		{name: "SlackHTTP", env: map[string]string{"DATABASE_URL": db, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
			needDatabase: true, check: func(t *testing.T, c Config) {
				if !c.SlackHTTP() || c.SlackSocket() {
					t.Errorf("want Slack HTTP mode only: %+v", c)
				}
			}},
		{name: "SlackSocketMode", env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"},
			check: func(t *testing.T, c Config) {
				if !c.SlackSocket() || c.SlackHTTP() {
					t.Errorf("want Socket Mode only: %+v", c)
				}
			}},
		{name: "SlackBotTokenAlone", env: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"},
			problems: []string{"neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN"}},
		{name: "SlackSecretWithoutToken", env: map[string]string{"SLACK_SIGNING_SECRET": "s"},
			problems: []string{"SLACK_BOT_TOKEN is not set"}},
		{name: "DiscordGatewayAndHTTP", env: map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APP_ID": "1", "DISCORD_PUBLIC_KEY": key},
			check: func(t *testing.T, c Config) {
				if !c.DiscordGateway() || !c.DiscordHTTP() {
					t.Errorf("want both Discord modes: %+v", c)
				}
			}},
		{name: "DiscordShards", env: map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APP_ID": "1",
			"DISCORD_SHARD_ID": "2", "DISCORD_SHARD_COUNT": "4", "COPBOT_SPOOL_DIR": "/var/spool/copbot"},
			check: func(t *testing.T, c Config) {
				if id, n := c.Shard(); id != 2 || n != 4 || c.SpoolDir != "/var/spool/copbot" {
					t.Errorf("Shard() = %d, %d, spool %q; want 2, 4, /var/spool/copbot", id, n, c.SpoolDir)
				}
			}},
		{name: "DiscordOneShardByDefault", env: map[string]string{"DISCORD_BOT_TOKEN": "t", "DISCORD_APP_ID": "1"},
			check: func(t *testing.T, c Config) {
				if id, n := c.Shard(); id != 0 || n != 1 || !strings.HasSuffix(c.SpoolDir, "spool") {
					t.Errorf("Shard() = %d, %d, spool %q; want 0, 1 and a spool in the cache directory", id, n, c.SpoolDir)
				}
			}},
		{name: "DiscordShardIDAlone", env: map[string]string{"DISCORD_SHARD_ID": "0"},
			problems: []string{"DISCORD_SHARD_ID and DISCORD_SHARD_COUNT go together"}},
		{name: "DiscordShardOutOfRange", env: map[string]string{"DISCORD_SHARD_ID": "4", "DISCORD_SHARD_COUNT": "4"},
			problems: []string{"0 ≤ id < count"}},
		{name: "DiscordShardNotANumber", env: map[string]string{"DISCORD_SHARD_ID": "one", "DISCORD_SHARD_COUNT": "2"},
			problems: []string{"0 ≤ id < count"}},
		{name: "DiscordTokenWithoutAppID", env: map[string]string{"DISCORD_BOT_TOKEN": "t"},
			problems: []string{"DISCORD_APP_ID is not set"}},
		{name: "DiscordAppIDAlone", env: map[string]string{"DISCORD_APP_ID": "1"},
			problems: []string{"neither DISCORD_BOT_TOKEN (gateway) nor DISCORD_PUBLIC_KEY"}},
		{name: "EveryProblemAtOnce", needDatabase: true, env: map[string]string{
			"COPBOT_HTTP_ADDR": "8080", "COPBOT_LOG_LEVEL": "loud", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "slack.com",
			"DISCORD_PUBLIC_KEY": "nothex", "COPBOT_SHUTDOWN_TIMEOUT": "soon",
		}, problems: []string{
			"COPBOT_SHUTDOWN_TIMEOUT", "DATABASE_URL is not set", "COPBOT_HTTP_ADDR", "COPBOT_LOG_LEVEL",
			"SLACK_BOT_TOKEN is not set", "SLACK_API_URL", "DISCORD_APP_ID is not set", "DISCORD_PUBLIC_KEY should be",
		}},
		{name: "EmptyMeansUnset", env: map[string]string{"COPBOT_HTTP_ADDR": "", "COPBOT_SHUTDOWN_TIMEOUT": "", "SLACK_API_URL": ""},
			check: func(t *testing.T, c Config) {
				if c.HTTPAddr != ":8080" || c.Shutdown() != 25*time.Second || c.SlackAPIURL != "https://slack.com/api/" {
					t.Errorf("empty variables did not take defaults: %+v", c)
				}
			}},
		{name: "BadDatabaseURL", env: map[string]string{"DATABASE_URL": "postgres://x:secretpw@host:notaport/db"},
			problems: []string{"DATABASE_URL is not a valid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			cfg, err := loadConfig(tt.needDatabase)
			var cfgErr *ConfigError
			if len(tt.problems) == 0 {
				if err != nil {
					t.Fatalf("unexpected problems: %v", err)
				}
				if tt.check != nil {
					tt.check(t, cfg)
				}
				return
			}
			if !errors.As(err, &cfgErr) {
				t.Fatalf("err = %v, want a ConfigError", err)
			}
			if len(cfgErr.Problems) != len(tt.problems) {
				t.Errorf("got %d problems, want %d:\n%v", len(cfgErr.Problems), len(tt.problems), err)
			}
			for _, want := range tt.problems {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("problems do not mention %q:\n%v", want, err)
				}
			}
			if strings.Contains(err.Error(), "secretpw") {
				t.Errorf("a problem leaks the database password:\n%v", err)
			}
		})
	}
}
