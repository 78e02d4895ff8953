package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/coretest"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/storetest"
	"github.com/copbot/copbot/internal/testlog"
	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// harness is a real core on a real database behind the adapter, which talks
// to a fake Discord.
type harness struct {
	t       testing.TB
	fake    *fakeDiscord
	adapter *Adapter
	core    *commands.Core
	store   *knowledge.Store
	pool    *pgxpool.Pool
	logs    *testlog.Buffer
	key     ed25519.PrivateKey
	// slow delays commands before the core sees them.
	slow time.Duration
}

type harnessOptions struct {
	pool    *pgxpool.Pool
	spool   string
	refuse  int64
	options func(*Options)
	// adapters are more adapters the core serves beside Discord's, as
	// copbot serve wires them (a Slack one, for linked communities).
	adapters []bot.Adapter
}

func newHarness(t testing.TB, ho harnessOptions) *harness {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: newFakeDiscord(t), logs: &testlog.Buffer{}, key: priv, pool: ho.pool}
	h.fake.refuse = ho.refuse
	if h.pool == nil {
		h.pool = dbtest.Pool(t)
	}
	if ho.spool == "" {
		ho.spool = t.TempDir()
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := Options{Token: "test-token", AppID: appID, PublicKey: hex.EncodeToString(pub), APIURL: h.fake.apiURL(),
		SpoolDir: ho.spool, AckWithin: 500 * time.Millisecond, ReplayInterval: 50 * time.Millisecond}
	if ho.options != nil {
		ho.options(&opts)
	}
	h.adapter, err = New(opts, log)
	if err != nil {
		t.Fatal(err)
	}
	h.store, err = knowledge.NewStore(h.pool, log)
	if err != nil {
		t.Fatal(err)
	}
	h.core = commands.NewCore(h.store, log, append([]bot.Adapter{h.adapter}, ho.adapters...)...)
	coretest.RunJobs(t, h.core, log)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", h.logs.String())
		}
	})
	return h
}

// HandleEvent is the core as the adapter sees it, slowed down on request.
func (h *harness) HandleEvent(ctx context.Context, ev *bot.Event) ([]bot.Reply, error) {
	if ev.Kind == bot.Command && h.slow > 0 {
		time.Sleep(h.slow)
	}
	return h.core.HandleEvent(ctx, ev)
}

// serve puts the adapter's HTTP routes, with the harness as their core, on
// a test server that closes when the test ends; through, when not nil,
// stands in front of them (a gate).
func (h *harness) serve(through func(http.Handler) http.Handler) *httptest.Server {
	mux := http.NewServeMux()
	h.adapter.Routes(mux, h)
	var handler http.Handler = mux
	if through != nil {
		handler = through(mux)
	}
	srv := httptest.NewServer(handler)
	h.t.Cleanup(srv.Close)
	return srv
}

// run starts the gateway and waits for READY.
func (h *harness) run() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.adapter.Run(ctx, h) }()
	h.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			h.t.Error("Run did not return 20s after its context ended")
		}
	})
	h.fake.waitReady("identified")
}

type savedTip struct {
	Number                      int
	Text, Permalink, AuthorName string
	Votes                       int
	ChannelName                 string
}

// waitTips waits until want saved tips exist, and returns them by number.
func (h *harness) waitTips(want int) []savedTip {
	h.t.Helper()
	var tips []savedTip
	if !wait.Within(wait.Timeout, func() bool { tips = h.tips(); return len(tips) >= want }) {
		h.t.Fatalf("%d saved tips after %s, want %d", len(tips), wait.Timeout, want)
	}
	return tips
}

// guildRef is the community of the fake Discord's guild.
var guildRef = bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID}

// tips returns the guild's saved tips by number, removed ones included,
// read through the store as the core reads them.
func (h *harness) tips() []savedTip {
	h.t.Helper()
	var tips []savedTip
	for _, t := range storetest.Tips(h.t, h.store, guildRef) {
		tips = append(tips, savedTip{Number: t.Number, Text: t.Text, Permalink: t.Permalink, AuthorName: t.AuthorName,
			Votes: t.Votes, ChannelName: t.ChannelName})
	}
	return tips
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
