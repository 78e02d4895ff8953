package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
)

// Options tune an Adapter. A nil *Options serves neither HTTP mode nor
// Socket Mode, which leaves the Web API abilities (tests, tools).
type Options struct {
	// SigningSecret enables HTTP mode: Routes mounts the Events API, slash
	// command and interactivity endpoints and verifies every request with it.
	SigningSecret string
	// AppToken (xapp-…) enables Socket Mode: Run connects to Slack over a
	// WebSocket instead of waiting for HTTP requests.
	AppToken string
	// APIURL is the Web API base for every call, default
	// https://slack.com/api/ (GovSlack, proxies, local fakes).
	APIURL string
	// HTTPClient makes Web API calls and posts to response URLs; default a
	// client with a 15 s timeout.
	HTTPClient *http.Client
	// Registerer, when set, gets the adapter's Prometheus collectors.
	Registerer prometheus.Registerer
	// CommandBudget is how long a slash command may take to be answered in
	// the acknowledgement itself before copbot acknowledges it empty and
	// answers through its response_url; default 2.5 s (Slack waits 3 s).
	CommandBudget time.Duration
	// UserTTL is how long users.info answers are cached; default 10 minutes.
	UserTTL time.Duration
}

// Adapter connects copbot to one Slack app installed in a workspace.
type Adapter struct {
	opts     Options
	log      *slog.Logger
	api      *slack.Client
	http     *http.Client
	metrics  *metrics
	users    *userCache
	channels *channelKinds
	// background tracks work that outlives a request (late command replies,
	// uploads), so that Run returns only when it is done.
	background inflight
	// connected is true while the Socket Mode connection is up.
	connected atomic.Bool
}

var (
	_ bot.Adapter            = (*Adapter)(nil)
	_ bot.MessageFetcher     = (*Adapter)(nil)
	_ bot.Notifier           = (*Adapter)(nil)
	_ bot.ConversationOpener = (*Adapter)(nil)
)

// New makes an adapter for the bot token (xoxb-…). It fails only when the
// Prometheus collectors cannot be registered.
func New(botToken string, opts *Options, log *slog.Logger) (*Adapter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.APIURL == "" {
		o.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(o.APIURL, "/") {
		o.APIURL += "/" // slack-go appends method names to the base
	}
	if o.HTTPClient == nil {
		// Captures fetch many messages at once from one host; Go's default
		// of two idle connections a host would close the rest after each
		// call and dial again for the next.
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxIdleConnsPerHost = 64
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second, Transport: transport}
	}
	if o.CommandBudget <= 0 {
		o.CommandBudget = 2500 * time.Millisecond
	}
	if o.UserTTL <= 0 {
		o.UserTTL = 10 * time.Minute
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("register slack metrics: %w", err)
	}
	api := slack.New(botToken, slack.OptionAPIURL(o.APIURL), slack.OptionHTTPClient(o.HTTPClient),
		slack.OptionAppLevelToken(o.AppToken))
	return &Adapter{
		opts: o, log: log, api: api, http: o.HTTPClient, metrics: m,
		users: newUserCache(o.UserTTL), channels: newChannelKinds(),
	}, nil
}

// Name is the platform's name.
func (a *Adapter) Name() string { return string(bot.Slack) }

// Ready says whether copbot can take Slack's events: in Socket Mode, while
// its connection is up; in HTTP mode, always (the routes take them).
func (a *Adapter) Ready() error {
	if a.opts.AppToken != "" && !a.connected.Load() {
		return errors.New("the Socket Mode connection is not up")
	}
	return nil
}

// Run serves Socket Mode when the adapter has an app token; in HTTP mode the
// routes do the work and Run only waits. Either way it returns after ctx
// ends and the replies still being delivered are out (or a minute passed).
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	a.background.Go(func() { a.learnPrivateChannels(ctx) })
	var err error
	if a.opts.AppToken != "" {
		err = a.runSocket(ctx, h)
	} else {
		<-ctx.Done()
	}
	a.background.wait(time.Minute)
	return err
}

// inflight counts goroutines that deliver replies after their request was
// answered. Unlike a sync.WaitGroup it may gain work while someone waits.
type inflight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to zero; nil while n is zero
}

// Go runs f in a goroutine and counts it until it returns.
func (w *inflight) Go(f func()) {
	w.mu.Lock()
	if w.n == 0 {
		w.idle = make(chan struct{})
	}
	w.n++
	w.mu.Unlock()
	go func() {
		defer func() {
			w.mu.Lock()
			w.n--
			if w.n == 0 {
				close(w.idle)
				w.idle = nil
			}
			w.mu.Unlock()
		}()
		f()
	}()
}

// wait returns when no goroutine is counted, or after limit.
func (w *inflight) wait(limit time.Duration) {
	w.mu.Lock()
	idle := w.idle
	w.mu.Unlock()
	if idle == nil {
		return
	}
	select {
	case <-idle:
	case <-time.After(limit):
	}
}
