package commands

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// HandClock runs the core's periodic work by a clock moved by hand, copbot
// dev's /clock, instead of on river's schedule, so that reminders, digests,
// story questions and follow-ups can be tried in the console and shown in a
// transcript the same way on every run. copbot serve never makes one: there
// the periodic jobs run on river's leader by the real clock.
//
// The store's clock must follow the hand-moved one (knowledge.Store.SetClock),
// since the planners decide by it. River keeps the times of scheduled jobs
// by the real clock, and a move of d brings them d nearer: a follow-up
// scheduled 14 days after a pairing runs once the clock has moved on 14 days
// since. Setting the clock elsewhere moves no time.
type HandClock struct {
	core *Core
	jobs *river.Client[pgx.Tx]

	mu    sync.Mutex
	moves []handMove
}

// handMove is one move of the clock: when it was made, by the real clock,
// and how far.
type handMove struct {
	at time.Time
	by time.Duration
}

// StartHandClock starts the core's background for a clock moved by hand:
// as StartBackground, but with no periodic jobs on river's schedule (the
// clock's moves run them) and with the console's notices run one at a
// time, in the order they were queued, so that a move that sends several
// prints them the same way every time. It is copbot dev's.
func (c *Core) StartHandClock(ctx context.Context, opts *BackgroundOptions) (*Background, *HandClock, error) {
	o := BackgroundOptions{}
	if opts != nil {
		o = *opts
	}
	o.NoPeriodic = true
	// The console's queues are added below, once the jobs run: river
	// takes a queue added at any time.
	console := string(bot.Console)
	platforms := o.Platforms
	if platforms == nil { // StartBackground's default, the console aside
		for p := range c.adapters {
			platforms = append(platforms, string(p))
		}
	}
	o.Platforms = slices.DeleteFunc(slices.Clone(platforms), func(p string) bool { return p == console })
	if o.Platforms == nil {
		o.Platforms = []string{} // none: nil would be the default
	}
	b, err := c.StartBackground(ctx, &o)
	if err != nil {
		return nil, nil, err
	}
	queues := map[string]river.QueueConfig{
		knowledge.CaptureQueue(console): {MaxWorkers: 4}, // as StartBackground's
		knowledge.NoticeQueue(console):  {MaxWorkers: 1},
	}
	for name, q := range queues {
		if err := b.jobs.Queues().Add(name, q); err != nil {
			b.Stop(context.WithoutCancel(ctx))
			return nil, nil, fmt.Errorf("add queue %s: %w", name, err)
		}
	}
	return b, &HandClock{core: c, jobs: b.jobs}, nil
}

// ClockMoved runs what came due as the clock moved on by d, which the
// store's clock already shows: first the workspace's scheduled jobs that
// the moves since each was queued have brought to their time, soonest
// first; then each periodic planner once, as of the store's clock; and it
// returns when every job of the workspace that is due has run, those the
// planners queued included. A move of days is best made a day at a time,
// as the console does: planners decide by the day at the finest, so that
// each sees what it would have seen.
func (h *HandClock) ClockMoved(ctx context.Context, ref bot.CommunityRef, d time.Duration) error {
	h.mu.Lock()
	h.moves = append(h.moves, handMove{at: time.Now(), by: d})
	h.mu.Unlock()
	platform := string(ref.Platform)
	waiting, err := h.core.store.WaitingJobs(ctx, platform, ref.ExternalID)
	if err != nil {
		return err
	}
	for _, j := range h.due(waiting, time.Now()) {
		if _, err := h.jobs.JobRetry(ctx, j.ID); err != nil {
			return fmt.Errorf("run job %d, due by the clock: %w", j.ID, err)
		}
	}
	for _, plan := range h.core.planners() {
		if err := plan(ctx); err != nil {
			return err
		}
	}
	return h.core.settleDue(ctx, ref)
}

// due picks the waiting jobs whose time the clock's moves have reached,
// in the order of that time. Times are compared to the minute, the
// clock's finest move, since a job is queued a moment after its creation
// time.
func (h *HandClock) due(waiting []knowledge.WaitingJob, now time.Time) []knowledge.WaitingJob {
	h.mu.Lock()
	defer h.mu.Unlock()
	left := func(j knowledge.WaitingJob) time.Duration {
		d := j.ScheduledAt.Sub(now)
		for _, m := range h.moves {
			if m.at.After(j.CreatedAt) {
				d -= m.by
			}
		}
		return d
	}
	var due []knowledge.WaitingJob
	for _, j := range waiting {
		if left(j) < time.Minute {
			due = append(due, j)
		}
	}
	slices.SortStableFunc(due, func(a, b knowledge.WaitingJob) int { return cmp.Compare(left(a), left(b)) })
	return due
}

// planners are the work of the periodic jobs (periodicJobs), in the order
// they are declared there: each runs here as its worker would.
func (c *Core) planners() []func(context.Context) error {
	return []func(context.Context) error{
		func(ctx context.Context) error { return work(ctx, &pruneWorker{core: c}, pruneArgs{}) },
		func(ctx context.Context) error { return work(ctx, &planRemindersWorker{core: c}, planRemindersArgs{}) },
		func(ctx context.Context) error { return work(ctx, &planDigestsWorker{core: c}, planDigestsArgs{}) },
		func(ctx context.Context) error { return work(ctx, &planStoriesWorker{core: c}, planStoriesArgs{}) },
		func(ctx context.Context) error { return work(ctx, &refreshAllWorker{core: c}, refreshAllArgs{}) },
	}
}

// work runs a job's worker here and now, outside river.
func work[T river.JobArgs](ctx context.Context, w river.Worker[T], args T) error {
	if err := w.Work(ctx, &river.Job[T]{JobRow: &rivertype.JobRow{Kind: args.Kind()}, Args: args}); err != nil {
		return fmt.Errorf("%s: %w", args.Kind(), err)
	}
	return nil
}

// settleDue waits until every job of the workspace that is due has run in
// this process: Settle's wait, over jobs of every kind.
func (c *Core) settleDue(ctx context.Context, ref bot.CommunityRef) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		jobs, err := c.store.DueJobs(ctx, string(ref.Platform), ref.ExternalID)
		if err != nil {
			return err
		}
		if c.finishedAll(jobs) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("jobs due by the clock still running: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}
