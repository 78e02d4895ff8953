package commands_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/fakeclock"
	"github.com/copbot/copbot/knowledge"
)

// process is one copbot process: its own store, core, notifier and
// background work, sharing the database and the clock with the others.
type process struct {
	store *knowledge.Store
	core  *commands.Core
	slack *fakeSlack
}

func newProcess(tb testing.TB, pool *pgxpool.Pool, clock *fakeclock.Clock, notifier bot.Adapter) *process {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := knowledge.NewStore(pool, log)
	if err != nil {
		tb.Fatal(err)
	}
	store.SetClock(clock.Now)
	p := &process{store: store}
	if f, ok := notifier.(*fakeSlack); ok {
		p.slack = f
	}
	p.core = commands.NewCore(store, log, notifier)
	return p
}

// start runs the process's jobs, periodic ones included, until the test ends.
func (p *process) start(tb testing.TB, _ *pgxpool.Pool) {
	tb.Helper()
	startBackground(tb, p.core, &commands.BackgroundOptions{})
}

func (p *process) command(tb testing.TB, id, text string) string {
	tb.Helper()
	ev := slackEvent(bot.Command, id, "U1")
	ev.User.IsAdmin, ev.Text = true, text
	replies, err := p.core.HandleEvent(context.Background(), ev)
	if err != nil || len(replies) != 1 {
		tb.Fatalf("%s: %v, %v", text, replies, err)
	}
	return replies[0].Text.String()
}

func TestReminders_TwoProcessesSendEachOnce(t *testing.T) {
	pool := dbtest.Pool(t)
	clock := fakeclock.New(time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC)) // a Sunday
	a := newProcess(t, pool, clock, &fakeSlack{})
	b := newProcess(t, pool, clock, &fakeSlack{})
	const objectives = 6
	for i := range objectives {
		a.command(t, fmt.Sprintf("add%d", i), fmt.Sprintf(`objective add "Goal %d" target 5 due 2027-06-30`, i+1))
	}
	clock.Set(time.Date(2027, 1, 6, 15, 0, 0, 0, time.UTC))
	a.command(t, "ci", "checkin 6 +1") // goal 6 has a check-in in the week of 4 January
	clock.Set(time.Date(2027, 1, 11, 0, 5, 0, 0, time.UTC))

	// Both processes start: river's leader runs the planner on start, and
	// each process runs it once more by hand, as a former leader might.
	a.start(t, pool)
	b.start(t, pool)
	var wg sync.WaitGroup
	for _, p := range []*process{a, b, a, b} {
		wg.Go(func() {
			if _, err := p.store.PlanReminders(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	notices := func() []bot.Notice { return append(a.slack.sent(""), b.slack.sent("")...) }
	waitForJobs(t, pool, reminderJobs, func() bool { return len(notices()) >= objectives-1 })
	time.Sleep(200 * time.Millisecond) // room for a duplicate to show

	got := map[string]int{}
	for _, n := range notices() {
		text := n.Reply.Text.String()
		got[text[strings.Index(text, "“"):strings.Index(text, "”")]]++
		if n.ChannelID != "C1" || n.UserID != "U1" || n.Reply.Visibility != bot.InChannel ||
			!strings.Contains(text, "no check-in on objective") || !strings.Contains(text, "in the week of 2027-01-04") {
			t.Errorf("reminder = %+v %q; want a post in C1 for U1 about the week of 2027-01-04", n, text)
		}
		if n.Reply.Text[0].Kind != bot.Mention || n.Reply.Text[0].Text != "U1" {
			t.Errorf("reminder does not start by mentioning the owner: %#v", n.Reply.Text[0])
		}
	}
	if len(got) != objectives-1 {
		t.Errorf("reminded %v; want each of goals 1–5 once", got)
	}
	for goal, n := range got {
		if n != 1 {
			t.Errorf("“%s” reminded %d times", goal, n)
		}
	}

	// A restart later in the week sends nothing again.
	clock.Set(time.Date(2027, 1, 13, 9, 0, 0, 0, time.UTC))
	c := newProcess(t, pool, clock, &fakeSlack{})
	c.start(t, pool)
	if _, err := c.store.PlanReminders(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitForJobs(t, pool, reminderJobs, func() bool { return true })
	if n := len(notices()) + len(c.slack.sent("")); n != objectives-1 {
		t.Errorf("%d reminders after a restart, want still %d", n, objectives-1)
	}
}

// flakySlack fails its first notice, like a platform that is briefly down.
type flakySlack struct {
	fakeSlack
	failures int
}

func (f *flakySlack) Notify(ctx context.Context, n bot.Notice) error {
	f.mu.Lock()
	if f.failures > 0 {
		f.failures--
		f.mu.Unlock()
		return errors.New("503 service unavailable")
	}
	f.mu.Unlock()
	return f.fakeSlack.Notify(ctx, n)
}

// sentOnce waits until the jobs have sent a notice holding text, and
// checks that, the first try having failed, it was sent once: what says
// what was sent, for the failure.
func (f *flakySlack) sentOnce(t *testing.T, pool *pgxpool.Pool, jobs []string, text, what string) {
	t.Helper()
	sent := func() int { return len(f.sent(text)) }
	waitForJobs(t, pool, jobs, func() bool { return sent() >= 1 })
	time.Sleep(100 * time.Millisecond) // room for a duplicate to show
	f.mu.Lock()
	failures := f.failures
	f.mu.Unlock()
	if n := sent(); n != 1 || failures != 0 {
		t.Errorf("%d %s after one failure (failures left %d), want 1", n, what, failures)
	}
}

func TestReminders_FailedDeliveryIsRetriedOnce(t *testing.T) {
	pool := dbtest.Pool(t)
	clock := fakeclock.New(time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC))
	slack := &flakySlack{failures: 1}
	p := newProcess(t, pool, clock, slack)
	p.command(t, "add", `objective add "Goal" target 5 due 2027-06-30`)
	clock.Set(time.Date(2027, 1, 11, 0, 5, 0, 0, time.UTC))
	p.start(t, pool)
	slack.sentOnce(t, pool, reminderJobs, "", "reminders delivered")
}

func TestReminders_OverdueIsFlaggedByDirectMessage(t *testing.T) {
	pool := dbtest.Pool(t)
	clock := fakeclock.New(time.Date(2027, 1, 3, 12, 0, 0, 0, time.UTC))
	slack := &fakeSlack{}
	p := newProcess(t, pool, clock, slack)
	ev := slackEvent(bot.Command, "add", "U1")
	ev.User.IsAdmin, ev.Channel.Private = true, true // added in a DM: reminders go to the owner directly
	ev.Text = `objective add "Quiet goal" target 5 due 2027-01-20`
	if _, err := p.core.HandleEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2027, 1, 21, 0, 5, 0, 0, time.UTC))
	p.start(t, pool)
	if _, err := p.store.PlanReminders(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitForJobs(t, pool, reminderJobs, func() bool { return true })
	slack.mu.Lock()
	defer slack.mu.Unlock()
	if len(slack.notices) != 1 {
		t.Fatalf("%d notices, want one overdue flag: %+v", len(slack.notices), slack.notices)
	}
	n := slack.notices[0]
	if text := n.Reply.Text.String(); n.ChannelID != "" || n.UserID != "U1" || !strings.Contains(text, "was due on 2027-01-20") ||
		!strings.Contains(text, "past its due date") {
		t.Errorf("overdue flag = %+v %q; want a direct message to U1", n, text)
	}
}
