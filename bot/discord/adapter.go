package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/bot"
)

// DefaultAPIURL is Discord's REST base.
const DefaultAPIURL = "https://discord.com/api/v10/"

// Options configure an Adapter. AppID is required; Token enables the
// gateway and PublicKey the HTTP interactions endpoint.
type Options struct {
	// Token is the bot token (DISCORD_BOT_TOKEN), without "Bot ".
	Token string
	// AppID is the application id (DISCORD_APP_ID).
	AppID string
	// PublicKey is the application's Ed25519 public key in hex
	// (DISCORD_PUBLIC_KEY), which signs HTTP interactions.
	PublicKey string
	// APIURL is the REST base; default DefaultAPIURL.
	APIURL string
	// SpoolDir keeps gateway events while the core cannot record them, in
	// a subdirectory per shard; required with Token.
	SpoolDir string
	// ShardID and ShardCount split the gateway between processes; default
	// shard 0 of 1.
	ShardID, ShardCount int
	// Registerer, when set, registers the adapter's metrics.
	Registerer prometheus.Registerer
	// Transport carries REST calls after the base is rewritten; default
	// http.DefaultTransport.
	Transport http.RoundTripper
	// AckWithin is how long an interaction waits for the core before it is
	// deferred (Discord allows 3 s for the first answer); default 2 s.
	AckWithin time.Duration
	// RecordTimeout bounds one attempt to hand a gateway event to the core
	// before it is spooled; default 5 s.
	RecordTimeout time.Duration
	// ReplayInterval is the first wait before the spool is tried again
	// after a failure; it doubles up to a minute. Default 1 s.
	ReplayInterval time.Duration
	// Now gives event times; default time.Now.
	Now func() time.Time
}

// Adapter connects copbot to Discord.
type Adapter struct {
	opts Options
	log  *slog.Logger
	// api calls REST with the bot token and runs the gateway; hooks answers
	// interactions (their token is in the URL) with a rate limiter of its
	// own, so a queue of bot calls never delays an acknowledgement.
	api       *discordgo.Session
	hooks     *discordgo.Session
	publicKey ed25519.PublicKey
	metrics   *metrics
	guilds    *guildCache
	dms       sync.Map // user id → DM channel id
	dmCount   atomic.Int64
	// inflight counts interactions still being answered after their
	// acknowledgement, so that Run can let them finish.
	inflight     sync.WaitGroup
	contentShown atomic.Bool // the missing message content was reported
	connected    atomic.Bool // the gateway is open
}

var (
	_ bot.Adapter            = (*Adapter)(nil)
	_ bot.MessageFetcher     = (*Adapter)(nil)
	_ bot.Notifier           = (*Adapter)(nil)
	_ bot.ConversationOpener = (*Adapter)(nil)
)

// New checks the options and prepares the REST clients; Run connects.
func New(opts Options, log *slog.Logger) (*Adapter, error) {
	if opts.AppID == "" {
		return nil, errors.New("discord: an application id is required")
	}
	if opts.Token != "" && opts.SpoolDir == "" {
		return nil, errors.New("discord: the gateway needs a spool directory")
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	if opts.ShardCount < 1 {
		opts.ShardCount = 1
	}
	if opts.ShardID < 0 || opts.ShardID >= opts.ShardCount {
		return nil, fmt.Errorf("discord: shard %d of %d does not exist", opts.ShardID, opts.ShardCount)
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&opts.AckWithin, 2 * time.Second}, {&opts.RecordTimeout, 5 * time.Second}, {&opts.ReplayInterval, time.Second}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Adapter{opts: opts, log: log, guilds: newGuildCache()}
	if opts.PublicKey != "" {
		key, err := hex.DecodeString(opts.PublicKey)
		if err != nil || len(key) != ed25519.PublicKeySize {
			return nil, errors.New("discord: the public key should be 64 hexadecimal characters")
		}
		a.publicKey = key
	}
	var err error
	if a.metrics, err = newMetrics(opts.Registerer); err != nil {
		return nil, err
	}
	transport, err := newAPITransport(opts.APIURL, opts.Transport, a.metrics)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Transport: transport, Timeout: 20 * time.Second}
	token := ""
	if opts.Token != "" {
		token = "Bot " + strings.TrimPrefix(opts.Token, "Bot ")
	}
	a.api = newSession(token, client)
	a.api.ShardID, a.api.ShardCount = opts.ShardID, opts.ShardCount
	a.hooks = newSession("", client)
	return a, nil
}

// newSession makes a discordgo session that keeps no state: copbot's own
// guildCache holds the little it needs.
func newSession(token string, client *http.Client) *discordgo.Session {
	s, _ := discordgo.New(token) // New cannot fail
	s.Client = client
	s.StateEnabled = false
	s.SyncEvents = true
	s.ShouldReconnectOnError = false // Run reconnects, and sees why it must
	s.LogLevel = discordgo.LogError
	return s
}

// Name is the platform name.
func (a *Adapter) Name() string { return string(bot.Discord) }

func (a *Adapter) community(guildID string) bot.CommunityRef {
	return bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID}
}

// user translates a guild member. Discord's computed permissions (sent
// with interactions) or the guild's roles (cached) say whether they may
// manage the server, which makes them a facilitator by default.
func (a *Adapter) user(guildID string, m *discordgo.Member, u *discordgo.User) bot.User {
	if m != nil && m.User != nil {
		u = m.User
	}
	if u == nil {
		return bot.User{}
	}
	out := bot.User{ID: u.ID, Name: displayName(u, m), IsBot: u.Bot}
	if m != nil {
		out.IsAdmin = m.Permissions&adminPermissions != 0 || a.guilds.isAdmin(guildID, u.ID, m.Roles)
	}
	return out
}

func displayName(u *discordgo.User, m *discordgo.Member) string {
	switch {
	case m != nil && m.Nick != "":
		return m.Nick
	case u.GlobalName != "":
		return u.GlobalName
	}
	return u.Username
}
