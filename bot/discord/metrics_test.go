package discord

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOptions{options: func(o *Options) { o.Registerer = reg }})
	h.run()
	h.fake.addMessage(general, "600000000000000001", bobID, "Bob", "Measure twice")
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000001", unicodeEmoji("💡")))
	h.waitTips(1)
	mux := http.NewServeMux()
	h.adapter.Routes(mux, h)
	req := httptest.NewRequest("POST", "/discord/interactions", strings.NewReader(`{}`))
	mux.ServeHTTP(httptest.NewRecorder(), req)

	if got := testutil.ToFloat64(h.adapter.metrics.received.WithLabelValues("reaction_added")); got != 1 {
		t.Errorf("events received = %v, want 1", got)
	}
	if got := testutil.ToFloat64(h.adapter.metrics.rejected.WithLabelValues("bad_signature")); got != 1 {
		t.Errorf("bad signatures = %v, want 1", got)
	}
	if got := testutil.ToFloat64(h.adapter.metrics.calls.WithLabelValues("GET channels/{id}/messages/{id}", "ok")); got != 1 {
		t.Errorf("message fetches = %v, want 1", got)
	}
	if n, err := testutil.GatherAndCount(reg, "copbot_ack_seconds", "copbot_spool_events", "copbot_platform_api_calls_total"); err != nil || n < 4 {
		t.Errorf("gathered %d series, %v", n, err)
	}
	// A second adapter (another platform's, or a test's) shares the collectors.
	if _, err := New(Options{AppID: appID, Registerer: reg}, slog.Default()); err != nil {
		t.Errorf("second adapter on one registry: %v", err)
	}
}

// BenchmarkGatewayReactions measures gateway events recorded per second on
// one shard: save reactions on distinct messages dispatched through the
// fake gateway, each decoded by discordgo, translated, and recorded by the
// real core (one transaction, capture job queued) before the next is read.
func BenchmarkGatewayReactions(b *testing.B) {
	h := newHarness(b, harnessOptions{})
	rec := &recorder{Handler: h.core}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.adapter.Run(ctx, rec) }()
	defer func() { cancel(); <-done }()
	h.fake.waitReady("identified")
	payloads := make([]string, b.N)
	for i := range payloads {
		payloads[i] = reactionAdd(fmt.Sprintf("5%017d", i%200), "m", general, fmt.Sprintf("6%017d", i), unicodeEmoji("💡"))
	}
	b.ResetTimer()
	start := time.Now()
	for _, p := range payloads {
		h.fake.Dispatch("MESSAGE_REACTION_ADD", p)
	}
	// Not wait.Until: the figure is measured when the last event is
	// handled, and a poll of 20 ms would be part of it.
	for rec.count() < b.N {
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
