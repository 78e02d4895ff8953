package commands

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
)

// sendOnce is the delivery path of the notices a job must send exactly
// once to each recipient (mentoring notices, welcomes): each notice is
// claimed for its recipient before it goes, so a job run again sends
// nothing twice; one that cannot go out is released, so that the job's
// retry sends it and only it (the recipients already served stay served).
// Releases do not run on the job's context, which may be what cut the send
// off (its deadline, a shutdown). A rate limit snoozes the job for as long
// as the platform asks, without using up an attempt.
func (c *Core) sendOnce(ctx context.Context, notices []bot.Notice,
	claim func(ctx context.Context, to string) (bool, error), release func(ctx context.Context, to string) error) error {
	var errs []error
	var wait time.Duration
	for _, n := range notices {
		to := n.UserID
		ok, err := claim(ctx, to)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		err = c.send(ctx, n)
		if err == nil {
			continue
		}
		if relErr := release(context.WithoutCancel(ctx), to); relErr != nil {
			err = errors.Join(err, relErr)
		}
		var limited *bot.RateLimitedError
		if errors.As(err, &limited) {
			wait = max(wait, limited.RetryAfter, time.Second)
			continue
		}
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if wait > 0 {
		return river.JobSnooze(wait)
	}
	return nil
}
