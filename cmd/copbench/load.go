package main

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
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slack-go/slack"

	"github.com/copbot/copbot/internal/loadgen"
)

// latencies summarises how long requests took.
type latencies struct {
	n                int
	p50, p99, p999   time.Duration
	failures, non2xx int
}

func summarise(d []time.Duration, failures int) latencies {
	slices.Sort(d)
	at := func(p float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[min(len(d)-1, int(float64(len(d))*p))]
	}
	return latencies{n: len(d), p50: at(0.50), p99: at(0.99), p999: at(0.999), failures: failures}
}

// event is one signed delivery, ready to send.
type event struct {
	body             []byte
	stamp, signature string
}

// Runs of reactions, each on messages of its own.
const (
	runMinimal = iota + 1
	runWarm
	runSaturation
	runPaced
	runCommunities      // at saturation, spread over many communities
	runCommunitiesPaced // paced, while home channels change
)

// warmUps is how many reactions the warm-up sends before the runs.
const warmUps = 2000

// pacedEvents is how many reactions a paced run sends.
func pacedEvents(cfg config) int { return int(float64(cfg.rate) * cfg.paced.Seconds()) }

// oneChannel puts every reaction of a run in one channel of the default
// community.
func oneChannel(int) string { return "CBENCH" }

// reactions prepares n signed reaction_added deliveries for a run, each on
// a message of its own in channel(i), from 200 members.
func reactions(run, n int, channel func(int) string) []event {
	evs := make([]event, n)
	now := time.Now()
	for i := range evs {
		body := loadgen.SlackReaction(team, fmt.Sprintf("Ev%d-%d", run, i), "reaction_added",
			fmt.Sprintf("U%03d", i%200), "bulb", channel(i), fmt.Sprintf("17%d%08d.000100", run, i), "UAUTHOR")
		h := http.Header{}
		loadgen.SignSlack(h, secret, now, body)
		evs[i] = event{body: body, stamp: h.Get("X-Slack-Request-Timestamp"), signature: h.Get("X-Slack-Signature")}
	}
	return evs
}

func (e *env) post(ctx context.Context, url string, ev event, contentType string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(ev.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ev.stamp)
	req.Header.Set("X-Slack-Signature", ev.signature)
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	return nil
}

// saturate sends every event from senders connections as fast as they are
// answered, and returns the rate and the latencies.
func (e *env) saturate(ctx context.Context, url string, evs []event, senders int) (float64, latencies) {
	lat := make([]time.Duration, len(evs))
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(evs) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := e.post(ctx, url, evs[i], "application/json"); err != nil {
					failed.Add(1)
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	return float64(len(evs)) / time.Since(start).Seconds(), summarise(lat, int(failed.Load()))
}

// captureResult is copbot at saturation.
type captureResult struct {
	acksPerSec float64
	ack        latencies
	tipsPerSec float64
}

// capture sends n reactions at saturation, reaction i in channel(i), and
// waits until every one is a saved tip; tips/s runs from the first send to
// the last tip saved.
func (e *env) capture(ctx context.Context, cfg config, run, n int, channel func(int) string) (captureResult, error) {
	var r captureResult
	before, err := e.savedTips(ctx)
	if err != nil {
		return r, err
	}
	evs := reactions(run, n, channel)
	start := time.Now()
	r.acksPerSec, r.ack = e.saturate(ctx, e.url+"/slack/events", evs, cfg.senders)
	if r.ack.failures > 0 {
		return r, fmt.Errorf("%d of %d events were not acknowledged\ncopbot's log:\n%s", r.ack.failures, n, e.copbot.log())
	}
	if err := e.waitSaved(ctx, before, n); err != nil {
		return r, err
	}
	r.tipsPerSec = float64(n) / time.Since(start).Seconds()
	if run == runWarm {
		_, err = e.pool.Exec(ctx, "ANALYZE")
	}
	return r, err
}

// waitSaved waits until n tips more than before are saved in the load
// workspace.
func (e *env) waitSaved(ctx context.Context, before, n int) error {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		saved, err := e.savedTips(ctx)
		if err != nil {
			return err
		}
		if saved-before >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d tips captured after 10 minutes\ncopbot's log:\n%s", saved-before, n, e.copbot.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// savedTips reads the tip counters of the load workspace's communities:
// tips are numbered as they are saved, per community, so their sum counts
// them without scanning the table.
func (e *env) savedTips(ctx context.Context) (int, error) {
	var n int
	err := e.pool.QueryRow(ctx, `SELECT COALESCE(sum(tc.last_number), 0) FROM tip_counters tc
		JOIN communities c ON c.id = tc.community_id WHERE c.platform = 'slack' AND c.external_id = $1`, team).Scan(&n)
	return n, err
}

// paced sends rate events a second, each at its own moment whether or not
// the ones before were answered (an open loop), so a slow answer cannot
// hide the ones queued behind it; latency runs from the moment an event was
// due.
func (e *env) paced(ctx context.Context, cfg config, run int, channel func(int) string) (latencies, error) {
	n := pacedEvents(cfg)
	evs := reactions(run, n, channel)
	lat := make([]time.Duration, n)
	var failed atomic.Int64
	var first error // the first failure, to say why
	var once sync.Once
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(cfg.rate)
	start := time.Now()
	for i := range evs {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		ev := evs[i]
		h := http.Header{}
		loadgen.SignSlack(h, secret, time.Now(), ev.body) // a long run outlasts Slack's five-minute window
		ev.stamp, ev.signature = h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
		wg.Go(func() {
			if err := e.post(ctx, e.url+"/slack/events", ev, "application/json"); err != nil {
				failed.Add(1)
				once.Do(func() {
					first = fmt.Errorf("event %d, %s after it was due: %w", i, time.Since(due).Round(time.Millisecond), err)
				})
			}
			lat[i] = time.Since(due)
		})
	}
	wg.Wait()
	l := summarise(lat, int(failed.Load()))
	if l.failures > 0 {
		return l, fmt.Errorf("%d of %d paced events were not acknowledged, first %v\ncopbot's log:\n%s", l.failures, n, first, e.copbot.log())
	}
	return l, nil
}

// minimalHandler measures the least a Slack endpoint can do for an event in
// this process: verify the signature as the adapter does (slack-go's
// SecretsVerifier) and make one durable single-row insert.
func (e *env) minimalHandler(ctx context.Context, cfg config) (float64, error) {
	if _, err := e.pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_ack (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body bytea NOT NULL)`); err != nil {
		return 0, err
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		_, _ = sv.Write(body)
		if sv.Ensure() != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if _, err := e.pool.Exec(r.Context(), "INSERT INTO bench_ack (body) VALUES ($1)", body); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	rate, l := e.saturate(ctx, srv.URL, reactions(runMinimal, cfg.events, oneChannel), cfg.senders)
	if l.failures > 0 {
		return 0, fmt.Errorf("the minimal handler failed %d events", l.failures)
	}
	return rate, nil
}

// rawInsertRate is how many single-row inserts, each its own durable
// transaction, the database takes a second from conns connections.
func rawInsertRate(ctx context.Context, pool *pgxpool.Pool, conns int, d time.Duration) (float64, error) {
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_raw (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)`); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := pool.Exec(ctx, "INSERT INTO bench_raw (body) VALUES ('tip from a message')"); err != nil {
					if ctx.Err() == nil {
						once.Do(func() { firstErr = err })
					}
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds(), firstErr
}
