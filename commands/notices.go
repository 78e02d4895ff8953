package commands

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
)

// Every notice a job must deliver exactly once (mentoring notices,
// welcomes, reminders, digests, story questions, invitations) goes out
// through deliverClaimed, after a claim in the store that says it is this
// job's to send: a job run again then sends nothing twice, and a send that
// fails releases the claim so that the job's retry sends it. Notices that
// may be lost (a capture's confirmation) go through notify instead.

// deliverClaimed sends a claimed notice. When it cannot go out, the claim is
// released, not on the job's context, which may be what cut the send off
// (its deadline, a shutdown); a rate limit snoozes the job for as long as
// the platform asks, without using up an attempt.
func (c *Core) deliverClaimed(ctx context.Context, n bot.Notice, release func(ctx context.Context) error) error {
	err := c.send(ctx, n)
	if err == nil {
		return nil
	}
	if relErr := release(context.WithoutCancel(ctx)); relErr != nil {
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
	claim func(ctx context.Context, to string) (bool, error), release func(ctx context.Context, to string) error) error {
	var errs []error
	var snooze *river.JobSnoozeError
	for _, n := range notices {
		to := n.UserID
		ok, err := claim(ctx, to)
		if err == nil && ok {
			err = c.deliverClaimed(ctx, n, func(ctx context.Context) error { return release(ctx, to) })
		}
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
