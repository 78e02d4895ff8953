package knowledge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// A notice copbot must send once (a mentoring notice, a welcome, a
// reminder, a digest, a story question, an invitation) is claimed before
// it goes out and marked delivered once the platform took it. The claim is
// a lease: if the process dies mid-send, the job is rescued and retried,
// and once NoticeLease has passed since the claim, the retry may claim and
// send it again. A notice is thus delivered at least once, and twice only
// when a process dies between the platform taking it and the mark.

// NoticeLease is how long an undelivered claim holds: longer than a job
// may run (river's job timeout, a minute at most), so that a running send
// is never taken over.
const NoticeLease = 2 * time.Minute

// HeldError says another run claimed the notice and has not delivered it
// yet: the caller tries again after Wait, when the claim may be taken over.
type HeldError struct{ Wait time.Duration }

func (e *HeldError) Error() string {
	return fmt.Sprintf("notice claimed by another run and not yet delivered; try again in %s", e.Wait)
}

// leaseStart is the claim time before which an undelivered claim may be
// taken over.
func (s *Store) leaseStart() time.Time { return s.now().Add(-NoticeLease) }

// heldOrDone decides what a failed claim means: nil when the notice was
// delivered or no longer applies, a *HeldError while another run's lease
// holds. query selects the claim's time and delivered.
func heldOrDone(ctx context.Context, db querier, now time.Time, query string, args ...any) error {
	var claimedAt *time.Time
	var delivered bool
	err := db.QueryRow(ctx, query, args...).Scan(&claimedAt, &delivered)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("read notice claim: %w", err)
	case delivered || claimedAt == nil:
		return nil
	}
	return &HeldError{Wait: max(claimedAt.Add(NoticeLease).Sub(now), time.Second)}
}

// markDelivered records that the platform took a claimed notice.
func markDelivered(ctx context.Context, db querier, what, query string, args ...any) error {
	if _, err := db.Exec(ctx, query, args...); err != nil {
		return fmt.Errorf("mark %s delivered: %w", what, err)
	}
	return nil
}
