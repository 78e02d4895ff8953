package commands

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// Every notice a job must deliver once (mentoring notices, welcomes,
// reminders, digests, story questions, invitations) goes out through
// deliverClaimed, after a claim in the store that says it is this job's to
// send: a job run again then sends nothing twice; a send that fails
// releases the claim so that the job's retry sends it; and a claim left by
// a process that died mid-send is a lease the rescued job takes over
// (knowledge.NoticeLease). Notices that may be lost (a capture's
// confirmation) go through notify instead.

// claim is what deliverClaimed does with a notice's claim after the send.
type claim struct {
	// release gives the claim back when the notice could not go out.
	release func(ctx context.Context) error
	// delivered ends it when the platform took the notice.
	delivered func(ctx context.Context) error
}

// deliverClaimed sends a claimed notice and marks it delivered. When it
// cannot go out, the claim is released, not on the job's context, which
// may be what cut the send off (its deadline, a shutdown); a rate limit
// snoozes the job for as long as the platform asks, without using up an
// attempt.
func (c *Core) deliverClaimed(ctx context.Context, n bot.Notice, cl claim) error {
	err := c.send(ctx, n)
	if err == nil {
		if err := cl.delivered(context.WithoutCancel(ctx)); err != nil {
			// Sent all the same: at worst a retry after the lease sends it twice.
			c.log.WarnContext(ctx, "notice sent but not marked delivered", slog.String("community", n.Community.String()), slog.Any("error", err))
		}
		return nil
	}
	if relErr := cl.release(context.WithoutCancel(ctx)); relErr != nil {
		c.log.ErrorContext(ctx, "notice neither sent nor released; it will not be sent", slog.String("community", n.Community.String()),
			slog.Any("error", err), slog.Any("release_error", relErr))
		return errors.Join(err, relErr)
	}
	var limited *bot.RateLimitedError
	if errors.As(err, &limited) {
		return river.JobSnooze(max(limited.RetryAfter, time.Second))
	}
	return err
}

// sendOnce delivers notices to several recipients, each claimed for its
// recipient (the member, or "" for a conversation): one that failed for one
// recipient is retried for that one only.
func (c *Core) sendOnce(ctx context.Context, notices []bot.Notice,
	claimFor func(ctx context.Context, to string) (bool, error), claimOf func(to string) claim) error {
	var errs []error
	var snooze *river.JobSnoozeError
	for _, n := range notices {
		to := n.UserID
		ok, err := claimFor(ctx, to)
		if err == nil && ok {
			err = c.deliverClaimed(ctx, n, claimOf(to))
		}
		err = heldSnooze(err)
		var s *river.JobSnoozeError
		switch {
		case errors.As(err, &s):
			if snooze == nil || s.Duration > snooze.Duration {
				snooze = s
			}
		case err != nil:
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if snooze != nil {
		return snooze
	}
	return nil
}

// heldSnooze turns a claim another run holds into a snooze until its lease
// may be taken over.
func heldSnooze(err error) error {
	var held *knowledge.HeldError
	if errors.As(err, &held) {
		return river.JobSnooze(held.Wait)
	}
	return err
}
