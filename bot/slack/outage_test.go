package slack

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/copbot/copbot/internal/coretest"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/wait"
)

// TestHTTP_DatabaseDown stops PostgreSQL while reactions arrive: each is
// answered 5xx, so Slack delivers it again; after the restart the retries
// are answered 200 and every reaction is captured, none twice. The test
// runs its own cluster, since it stops it.
func TestHTTP_DatabaseDown(t *testing.T) {
	ctx := context.Background()
	cluster, pool := dbtest.OwnCluster(t)

	h := newHarness(t, &harnessOpts{pool: pool})
	for i := range 3 {
		h.slack.AddMessage("C1", slackfake.Message{TS: fmt.Sprintf("1700000000.00010%d", i), User: "U1", Text: fmt.Sprintf("Lesson %d", i)})
	}
	events := make([][]byte, 3)
	for i := range events {
		events[i] = reactionPayload(fmt.Sprintf("EvDown%d", i), "reaction_added", "U2", "bulb", "C1", fmt.Sprintf("1700000000.00010%d", i), "U1")
	}
	// One reaction is recorded before the outage.
	if status, _ := h.event(t, events[0], 0); status != http.StatusOK {
		t.Fatalf("before the outage: %d", status)
	}

	cluster.Shutdown()
	for i, ev := range events[1:] {
		if status, body := h.event(t, ev, 0); status < 500 {
			t.Errorf("event %d with the database down answered %d %q; want 5xx so that Slack retries", i+1, status, body)
		}
	}
	if !strings.Contains(h.logs.String(), "slack event not recorded") {
		t.Errorf("the failures were not logged:\n%s", h.logs.String())
	}
	if err := cluster.Restart(ctx); err != nil {
		t.Fatal(err)
	}

	// Slack retries each failed event (X-Slack-Retry-Num 1, 2, 3) and may
	// resend the one that was recorded; the pool's connections broken by the
	// restart may cost a retry.
	for i, ev := range events {
		status := 0
		for retry := 1; retry <= 3 && status != http.StatusOK; retry++ {
			status, _ = h.event(t, ev, retry)
		}
		if status != http.StatusOK {
			t.Errorf("event %d after the restart: %d after three retries; want 200", i, status)
		}
	}
	coretest.RunJobs(t, h.core, nil)
	wait.Until(t, "three tips", func() bool { return len(h.tips(t)) == 3 })
	// Three messages are at most three tips, saved or pending.
	tips, votes := h.tips(t), 0
	for _, tip := range tips {
		votes += tip.Votes
	}
	if len(tips) != 3 || votes != 3 {
		t.Errorf("%d tips with %d votes; want 3 with one vote each: nothing lost, nothing twice", len(tips), votes)
	}
}
