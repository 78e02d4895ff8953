package commands

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// drainBatch is the most recorded events one pass over the inbox applies.
const drainBatch = 1000

// inboxPoll is how often runInbox looks for events recorded by other copbot
// processes; events this process records wake it at once.
const inboxPoll = 100 * time.Millisecond

// recorded finishes recording an event: a new one wakes the inbox.
func (c *Core) recorded(isNew bool, err error) error {
	if err == nil {
		c.arrivals.add(time.Now())
	}
	if err == nil && isNew {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	return err
}

// runInbox applies recorded events until ctx ends: votes, pending tips and
// their capture jobs, joins, edits and deletions, in passes of up to
// drainBatch events. Any number of copbot processes may run it; one pass
// runs at a time. Failures are logged and the pass is tried again.
func (c *Core) runInbox(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-timer.C:
		}
		c.yieldToAcknowledgements(ctx)
		next := c.drain(ctx)
		timer.Reset(next)
	}
}

// drain runs passes while there is a full batch and returns when to look
// again.
func (c *Core) drain(ctx context.Context) time.Duration {
	for ctx.Err() == nil {
		d, err := c.store.DrainInbox(ctx, drainBatch)
		switch {
		case err != nil && ctx.Err() == nil && knowledge.IsRefused(err):
			c.isolate(ctx, err)
			return 10 * time.Millisecond
		case err != nil && ctx.Err() == nil:
			c.log.WarnContext(ctx, "inbox pass failed; trying again", slog.Any("error", err))
			return inboxPoll
		case err != nil:
			return inboxPoll
		case d.Busy:
			return 10 * time.Millisecond // another process is draining; look again soon
		}
		for reason, n := range d.Dropped {
			c.drops.add(reason, n)
		}
		if d.Events < drainBatch {
			return inboxPoll
		}
	}
	return inboxPoll
}

// isolate finds the event that makes a pass fail, when the database
// refused what it asked: it applies events one at a time until one is
// refused alone, and sets that one aside with its error, so that one bad
// event cannot hold up every community's events behind it.
func (c *Core) isolate(ctx context.Context, passErr error) {
	for range drainBatch {
		iso, err := c.store.ApplyOldestAlone(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				c.log.WarnContext(ctx, "inbox event cannot be applied alone; trying again", slog.Any("error", err))
			}
			return
		case iso.Busy || iso.Empty:
			return
		case iso.SetAside == "":
			continue
		}
		c.log.ErrorContext(ctx, "inbox event set aside: it cannot be applied", slog.String("event_id", iso.SetAside),
			slog.Any("error", iso.Cause), slog.Any("pass_error", passErr))
		return
	}
}

// pruneArgs is the periodic job that forgets old applied events, repeated
// commands and reaction notes, and the searches older than stats read.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prune_inbox" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	core *Core
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	if _, err := w.core.store.PruneInbox(ctx, 24*time.Hour); err != nil {
		return err
	}
	if _, err := w.core.store.PruneRecentCommands(ctx); err != nil {
		return err
	}
	if _, err := w.core.store.PruneReactionNotes(ctx); err != nil {
		return err
	}
	_, err := w.core.store.PruneSearches(ctx)
	return err
}

// Settle waits until the workspace's recorded events are applied and its
// jobs that are due (captures, mentoring notices, welcomes) have finished,
// so that the console can complete a line's effects before it reads the
// next. It knows of the jobs that this process worked: river records a job's
// completion up to 250 ms after it ends, and the console should not wait
// that long on every line.
func (c *Core) Settle(ctx context.Context, ref bot.CommunityRef) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		events, jobs, err := c.store.Unsettled(ctx, string(ref.Platform), ref.ExternalID)
		if err != nil {
			return err
		}
		if events == 0 && c.finishedAll(jobs) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("events still unsettled: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// finish remembers that this process worked a capture job to its end, for
// Settle, and forgets jobs finished long ago.
func (c *Core) finish(jobID int64) {
	c.finishedMu.Lock()
	defer c.finishedMu.Unlock()
	now := time.Now()
	for id, at := range c.finished {
		if now.Sub(at) > time.Minute {
			delete(c.finished, id)
		}
	}
	c.finished[jobID] = now
}

func (c *Core) finishedAll(jobs []int64) bool {
	c.finishedMu.Lock()
	defer c.finishedMu.Unlock()
	for _, id := range jobs {
		if _, ok := c.finished[id]; !ok {
			return false
		}
	}
	return true
}
