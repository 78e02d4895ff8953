package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/loadgen"
	"github.com/copbot/copbot/internal/pgtemp"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/wait"
)

// The fault tests run the real copbot against a durable throwaway
// PostgreSQL they can stop, crash and freeze, and a fake Slack, sending
// signed reactions as Slack does: an event whose acknowledgement was not a
// 2xx is sent again later, as Slack retries it.

const faultSecret = "fault-signing-secret"

type faultRig struct {
	t       *testing.T
	cluster *pgtemp.Cluster
	slack   *slackfake.Server
	env     []string
}

func newFaultRig(t *testing.T) *faultRig {
	t.Helper()
	cluster, err := pgtemp.Start(context.Background(), &pgtemp.Options{Durable: true, CacheDir: pgtemp.DefaultCacheDir()})
	if err != nil {
		t.Fatalf("start a durable PostgreSQL: %v", err)
	}
	t.Cleanup(cluster.Stop)
	slack := slackfake.New(&slackfake.Options{DiscardPosts: true,
		Synthesize: func(_, ts string) (slackfake.Message, bool) {
			return slackfake.Message{TS: ts, User: "UAUTHOR", Text: "Tip from message " + ts}, true
		}})
	t.Cleanup(slack.Close)
	return &faultRig{t: t, cluster: cluster, slack: slack, env: []string{
		"DATABASE_URL=" + cluster.URL() + "&connect_timeout=2", "SLACK_BOT_TOKEN=xoxb-test-token",
		"SLACK_SIGNING_SECRET=" + faultSecret, "SLACK_API_URL=" + slack.APIURL(), "COPBOT_LOG_LEVEL=warn",
		// A capture that was running when a copbot died is taken over soon.
		"COPBOT_JOB_RESCUE_AFTER=5s",
	}}
}

// react sends reaction i, signed, and returns the HTTP status (0 when the
// request failed) and how long the answer took.
func react(addr string, i int) (int, time.Duration) {
	body := loadgen.SlackReaction("T1", fmt.Sprintf("Ev%d", i), "reaction_added", fmt.Sprintf("U%d", i%7), "bulb",
		"C1", fmt.Sprintf("1700000000.%06d", i), "UAUTHOR")
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	loadgen.SignSlack(req.Header, faultSecret, time.Now(), body)
	start := time.Now()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, time.Since(start)
	}
	resp.Body.Close()
	return resp.StatusCode, time.Since(start)
}

// sender sends reactions 0, 1, 2, … until stopped, and keeps which were
// acknowledged.
type sender struct {
	mu    sync.Mutex
	acked map[int]bool
	tried int
	stop  chan struct{}
	done  chan struct{}
}

func send(addr string, from int) *sender {
	s := &sender{acked: map[int]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for i := from; ; i++ {
			select {
			case <-s.stop:
				return
			default:
			}
			status, _ := react(addr, i)
			s.mu.Lock()
			s.tried = i + 1
			if status/100 == 2 {
				s.acked[i] = true
			}
			s.mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return s
}

func (s *sender) halt() {
	close(s.stop)
	<-s.done
}

// retry sends every event that was not acknowledged again until it is, as
// Slack does.
func (s *sender) retry(t *testing.T, addr string, from int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for i := from; i < s.tried; i++ {
		status := 0
		if !s.acked[i] && !wait.Within(time.Until(deadline), func() bool { status, _ = react(addr, i); return status/100 == 2 }) {
			t.Fatalf("event %d still not acknowledged after 30s (status %d)", i, status)
		}
		s.acked[i] = true
	}
}

// waitCaptured waits until every event up to n is a saved tip, then checks
// that each message is exactly one tip with one vote. It reads storage
// itself, not the store: what a crash may leave behind (a second row, a tip
// still pending, an event that was never acknowledged) is what it checks.
func (r *faultRig) waitCaptured(n int) {
	t := r.t
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, r.cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// River's rescuer looks for jobs a dead process left running every 30 s.
	var saved int
	if !wait.Within(120*time.Second, func() bool {
		saved = dbtest.Count(t, conn, `SELECT count(*) FROM tips WHERE state = 'saved'`)
		return saved >= n
	}) {
		t.Fatalf("%d of %d acknowledged reactions captured after 120s\n%s", saved, n, r.unfinished(ctx, conn))
	}
	var tips, messages, wrongVotes, numbers int
	err = conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT source_message), count(*) FILTER (WHERE votes <> 1),
		count(DISTINCT number) FROM tips`).Scan(&tips, &messages, &wrongVotes, &numbers)
	if err != nil {
		t.Fatal(err)
	}
	if tips != n || messages != n || wrongVotes != 0 || numbers != n {
		t.Fatalf("%d tips for %d messages, %d with other than one vote, %d numbers; want %d of each and none",
			tips, messages, wrongVotes, numbers, n)
	}
}

// unfinished describes what is left of the captures that did not finish:
// tips not saved, events still in the inbox or set aside, and jobs not
// completed.
func (r *faultRig) unfinished(ctx context.Context, conn *pgx.Conn) string {
	var b bytes.Buffer
	for _, q := range []struct{ name, sql string }{
		{"tips not saved", `SELECT id, state, source_message, number FROM tips WHERE state <> 'saved' ORDER BY id`},
		{"events in the inbox", `SELECT count(*) FROM inbox`},
		{"events set aside", `SELECT event_id, error FROM events_seen WHERE error IS NOT NULL`},
		{"jobs not completed", `SELECT id, kind, state, attempt, max_attempts, scheduled_at, errors::text FROM river_job
			WHERE state <> 'completed' ORDER BY id`},
	} {
		rows, err := conn.Query(ctx, q.sql)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", q.name, err)
			continue
		}
		fmt.Fprintf(&b, "%s:\n", q.name)
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				fmt.Fprintf(&b, "  %v\n", err)
				break
			}
			fmt.Fprintf(&b, "  %v\n", v)
		}
		if err := rows.Err(); err != nil {
			fmt.Fprintf(&b, "  %v\n", err)
		}
		rows.Close()
	}
	fmt.Fprintf(&b, "Slack: %d conversations.history calls\n", r.slack.Calls("conversations.history"))
	return b.String()
}

// TestFault_DatabaseStopsAndCrashes stops PostgreSQL cleanly and then
// crashes it while signed reactions arrive: copbot answers 5xx while it
// cannot record, never restarts, and every reaction it acknowledged is
// captured exactly once.
func TestFault_DatabaseStopsAndCrashes(t *testing.T) {
	rig := newFaultRig(t)
	addr, stop := startServe(t, rig.env...)
	s := send(addr, 0)
	for _, outage := range []struct {
		name string
		down func() error
	}{
		{"clean", func() error { rig.cluster.Shutdown(); return nil }},
		{"crash", rig.cluster.Crash},
	} {
		time.Sleep(700 * time.Millisecond)
		if err := outage.down(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		if status, _ := react(addr, 1_000_000); status/100 == 2 {
			t.Errorf("%s outage: an event was acknowledged while PostgreSQL was down (status %d)", outage.name, status)
		}
		if err := rig.cluster.Restart(context.Background()); err != nil {
			t.Fatalf("restart PostgreSQL after the %s outage: %v", outage.name, err)
		}
	}
	time.Sleep(700 * time.Millisecond)
	s.halt()
	s.retry(t, addr, 0)
	t.Logf("%d reactions sent, %d acknowledged the first time round or on retry", s.tried, len(s.acked))
	rig.waitCaptured(s.tried)
	if stderr, err := stop(); err != nil {
		t.Errorf("copbot did not live through the outages: %v\n%s", err, stderr)
	}
}

// TestFault_CopbotKilled kills copbot with SIGKILL while reactions arrive:
// what it acknowledged was recorded, and a new copbot applies and captures
// it.
func TestFault_CopbotKilled(t *testing.T) {
	rig := newFaultRig(t)
	addr, _ := startServe(t, rig.env...)
	s := send(addr, 0)
	time.Sleep(1500 * time.Millisecond)
	killServe(t, addr)
	s.halt()

	addr2, stop := startServe(t, rig.env...)
	s.retry(t, addr2, 0)
	rig.waitCaptured(s.tried)
	if stderr, err := stop(); err != nil {
		t.Errorf("the second copbot: %v\n%s", err, stderr)
	}
}

// TestFault_DatabaseHangs freezes PostgreSQL (it neither answers nor
// refuses): acknowledgements must answer 5xx within 2.5 s, and nothing is
// acknowledged without a commit.
func TestFault_DatabaseHangs(t *testing.T) {
	rig := newFaultRig(t)
	addr, stop := startServe(t, rig.env...)
	if status, _ := react(addr, 0); status != http.StatusOK {
		t.Fatalf("before the hang: %d", status)
	}
	if err := rig.cluster.Freeze(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		status, took := react(addr, i)
		if status/100 != 5 || took > 2500*time.Millisecond {
			t.Errorf("reaction %d while the database hangs: %d after %s; want 5xx within 2.5s", i, status, took.Round(time.Millisecond))
		}
	}
	if err := rig.cluster.Thaw(); err != nil {
		t.Fatal(err)
	}
	s := &sender{acked: map[int]bool{0: true}, tried: 4}
	s.retry(t, addr, 0)
	rig.waitCaptured(4)
	if stderr, err := stop(); err != nil {
		t.Errorf("copbot after the hang: %v\n%s", err, stderr)
	}
}

// killServe kills the copbot serving addr with SIGKILL.
func killServe(t *testing.T, addr string) {
	t.Helper()
	serveMu.Lock()
	cmd := serving[addr]
	serveMu.Unlock()
	if cmd == nil {
		t.Fatalf("no copbot serves %s", addr)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}
