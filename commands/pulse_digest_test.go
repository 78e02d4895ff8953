package commands_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/fakeclock"
	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

// waitForJobs waits until no job of the kinds is left to run and done
// holds.
func waitForJobs(tb testing.TB, pool *pgxpool.Pool, kinds []string, done func() bool) {
	tb.Helper()
	var pending int
	if !wait.Within(wait.Timeout, func() bool {
		pending = dbtest.Count(tb, pool, `SELECT count(*) FROM river_job
			WHERE kind = ANY($1) AND state NOT IN ('completed', 'cancelled', 'discarded')`, kinds)
		return pending == 0 && done()
	}) {
		tb.Fatalf("%v still pending after %s (%d jobs)", kinds, wait.Timeout, pending)
	}
}

// The jobs of digests and of reminders, planners included.
var (
	digestJobs   = []string{knowledge.DigestArgs{}.Kind(), "plan_digests"}
	reminderJobs = []string{knowledge.ReminderArgs{}.Kind(), "plan_objective_reminders"}
)

// digestTitle starts every digest.
const digestTitle = "The week in the community"

// digests are the digests the processes posted.
func digests(ps ...*process) []bot.Notice {
	var all []bot.Notice
	for _, p := range ps {
		all = append(all, p.slack.sent(digestTitle)...)
	}
	return all
}

// digestWeek prepares a workspace whose week has two tips, and a quiet
// workspace with a digest channel too, and sets the clock five minutes
// past the digest moment (Monday 09:00 in Berlin) of the week holding
// them. Tips are stamped with the database's clock, so the week is the
// real one.
func digestWeek(t *testing.T, p *process, clock *fakeclock.Clock) {
	t.Helper()
	p.command(t, "cfg", "config digest-channel <#C9|digest>")
	p.command(t, "tz", "config timezone Europe/Berlin")
	p.command(t, "save1", "save Quarantine flaky tests and fix one a day #testing")
	p.command(t, "save2", "save Pair on the first bug fix <!channel> #onboarding")
	quiet := slackEvent(bot.Command, "quiet", "U1")
	quiet.Community.ExternalID, quiet.User.IsAdmin, quiet.Text = "T2", true, "config digest-channel #general"
	if _, err := p.core.HandleEvent(context.Background(), quiet); err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	_, next := knowledge.DigestTime(time.Now(), berlin)
	clock.Set(next.Add(5 * time.Minute))
}

func TestDigest_TwoProcessesPostOnce(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	clock := fakeclock.New(time.Now())
	a := newProcess(t, pool, clock, &fakeSlack{})
	b := newProcess(t, pool, clock, &fakeSlack{})
	digestWeek(t, a, clock)

	// Both processes start (river's leader plans on start), and each plans
	// twice more by hand, at the same time, as a former leader might.
	a.start(t, pool)
	b.start(t, pool)
	var wg sync.WaitGroup
	for _, p := range []*process{a, b, a, b} {
		wg.Go(func() {
			if _, err := p.store.PlanDigests(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	waitForJobs(t, pool, digestJobs, func() bool { return len(digests(a, b)) >= 1 })
	time.Sleep(200 * time.Millisecond) // room for a duplicate to show

	got := digests(a, b)
	if len(got) != 1 {
		t.Fatalf("%d digests posted, want exactly 1: %+v", len(got), got)
	}
	n := got[0]
	text := n.Reply.Text.String()
	if n.Community.ExternalID != "T1" || n.ChannelID != "C9" || n.Reply.Visibility != bot.InChannel {
		t.Errorf("digest went to %s/%s (visibility %d), want T1's #C9 for everyone", n.Community.ExternalID, n.ChannelID, n.Reply.Visibility)
	}
	mustContain(t, text, "2 tips saved", "New tags", "#onboarding", "#testing", "Quarantine flaky tests")
	for _, sp := range n.Reply.Text {
		if sp.Kind == bot.Markup && strings.Contains(sp.Text, "<!channel>") {
			t.Errorf("a tip's text reached the digest as copbot's markup: %q", sp.Text)
		}
	}

	// A restart later in the week posts nothing again.
	clock.Set(clock.Now().Add(2 * 24 * time.Hour))
	c := newProcess(t, pool, clock, &fakeSlack{})
	c.start(t, pool)
	if n, err := c.store.PlanDigests(ctx); err != nil || n != 0 {
		t.Errorf("planner after a restart queued %d (%v), want nothing", n, err)
	}
	waitForJobs(t, pool, digestJobs, func() bool { return true })
	if n := len(digests(a, b, c)); n != 1 {
		t.Errorf("%d digests after a restart, want still 1", n)
	}
}

func TestDigest_FailedPostIsRetriedOnce(t *testing.T) {
	pool := dbtest.Pool(t)
	clock := fakeclock.New(time.Now())
	slack := &flakySlack{failures: 1}
	p := newProcess(t, pool, clock, slack)
	digestWeek(t, p, clock)
	p.start(t, pool)
	slack.sentOnce(t, pool, digestJobs, digestTitle, "digests posted")
}

func TestDigest_Preview(t *testing.T) {
	pool := dbtest.Pool(t)
	clock := fakeclock.New(time.Now())
	p := newProcess(t, pool, clock, &fakeSlack{})
	mustContain(t, p.command(t, "p0", "digest preview"), "It is off", "Nothing happened in these seven days")
	p.command(t, "s1", "save Review the riskiest change first #review")
	p.command(t, "c1", "config digest-channel <#C9|digest>")
	clock.Set(time.Now()) // the tip is stamped by the database's clock
	mustContain(t, p.command(t, "p1", "digest preview"), "The next one goes to #C9 on Monday at 09:00 (UTC)",
		"The last seven days", "1 tip saved", "#review")
	mustContain(t, p.command(t, "p2", "digest preview now"), "takes nothing more")

	ev := slackEvent(bot.Command, "p3", "U5") // not a facilitator
	ev.Text = "digest preview"
	replies, err := p.core.HandleEvent(context.Background(), ev)
	if err != nil || len(replies) != 1 {
		t.Fatal(replies, err)
	}
	mustContain(t, replies[0].Text.String(), "Only facilitators can use `/cop digest preview`")
}
