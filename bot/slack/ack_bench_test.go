package slack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
)

// ackSenders is how many connections send events at once, as Slack does
// from many hosts.
const ackSenders = 32

type signedEvent struct {
	body      []byte
	stamp     string
	signature string
}

// signedReactions prepares n reaction_added deliveries, each on its own
// message, signed as Slack signs them; prefix keeps event ids of several
// batches apart.
func signedReactions(prefix string, n int) []signedEvent {
	evs := make([]signedEvent, n)
	for i := range evs {
		body := reactionPayload(fmt.Sprintf("Ev%s%07d", prefix, i), "reaction_added", fmt.Sprintf("U%d", i%200), "bulb", "C1",
			fmt.Sprintf("%s.%06d", prefix, i), "U1")
		req, _ := http.NewRequest(http.MethodPost, "http://x", nil)
		sign(req, testSecret, time.Now(), body)
		evs[i] = signedEvent{body: body, stamp: req.Header.Get("X-Slack-Request-Timestamp"), signature: req.Header.Get("X-Slack-Signature")}
	}
	return evs
}

// sendAll posts the events to url from ackSenders connections and returns
// how long it took and each acknowledgement's latency.
func sendAll(b *testing.B, url string, evs []signedEvent) (time.Duration, []time.Duration) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: ackSenders, MaxConnsPerHost: ackSenders}}
	defer client.CloseIdleConnections()
	latencies := make([]time.Duration, len(evs))
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range ackSenders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(evs) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(evs[i].body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Slack-Request-Timestamp", evs[i].stamp)
				req.Header.Set("X-Slack-Signature", evs[i].signature)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[i] = time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					b.Errorf("event %d answered %d", i, resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), latencies
}

// baseline is the least a Slack endpoint can do for an event: verify the
// same signature and make one durable single-row insert.
func baseline(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv, err := slack.NewSecretsVerifier(r.Header, testSecret)
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		sv.Write(body)
		if sv.Ensure() != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if _, err := pool.Exec(r.Context(), "INSERT INTO ack_baseline (body) VALUES ($1)", body); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		}
	})
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// BenchmarkSlackAck measures how fast copbot acknowledges signed
// reaction_added events over real HTTP (the adapter's routes, the core,
// PostgreSQL), and in the same run two references on the same database:
// the baseline, a minimal handler that verifies the same signature and
// makes one single-row insert, and the adapter's routes over a handler that
// makes that same insert instead of calling the core (the adapter's own
// cost). Capture jobs are queued but not worked, so the figures are the
// acknowledgement path's. Target: copbot ≥ 0.6 × the baseline's events/s.
func BenchmarkSlackAck(b *testing.B) {
	ctx := context.Background()
	h := newHarness(b, nil)
	if _, err := h.pool.Exec(ctx, "CREATE TABLE ack_baseline (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body bytea NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	base := httptest.NewServer(baseline(h.pool))
	defer base.Close()
	insert := func(ctx context.Context, ev *bot.Event) ([]bot.Reply, error) {
		_, err := h.pool.Exec(ctx, "INSERT INTO ack_baseline (body) VALUES ($1)", []byte(ev.ID))
		return nil, err
	}
	mux := http.NewServeMux()
	h.adapter.Routes(mux, bot.HandlerFunc(insert))
	adapterOnly := httptest.NewServer(mux)
	defer adapterOnly.Close()

	// Warm every path (connections, the community row, prepared statements).
	_, _ = sendAll(b, h.srv.URL+"/slack/events", signedReactions("1600000000", ackSenders))
	_, _ = sendAll(b, base.URL, signedReactions("1600000001", ackSenders))
	_, _ = sendAll(b, adapterOnly.URL+"/slack/events", signedReactions("1600000002", ackSenders))

	evs := signedReactions("1700000000", b.N)
	b.ResetTimer()
	elapsed, lat := sendAll(b, h.srv.URL+"/slack/events", evs)
	b.StopTimer()
	baseElapsed, _ := sendAll(b, base.URL, evs)
	adapterElapsed, _ := sendAll(b, adapterOnly.URL+"/slack/events", evs)

	slices.Sort(lat)
	rate := float64(len(evs)) / elapsed.Seconds()
	baseRate := float64(len(evs)) / baseElapsed.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
	b.ReportMetric(baseRate, "baseline_events/s")
	b.ReportMetric(rate/baseRate, "ratio")
	b.ReportMetric(float64(len(evs))/adapterElapsed.Seconds(), "adapter+insert_events/s")
}
