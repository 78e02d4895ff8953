package knowledge

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// copbot dev's console has a clock moved by hand (commands.HandClock): each
// move runs what came due by then. These reads tell it which of a
// workspace's jobs wait for a later time and which are due; river keeps
// both by the real clock.

// WaitingJob is a job that waits for a later time: scheduled (a mentoring
// follow-up, a mentor's resume) or to be tried again after a failure.
type WaitingJob struct {
	ID int64
	// CreatedAt and ScheduledAt are by the real clock, river's.
	CreatedAt, ScheduledAt time.Time
}

// workspaceJobs selects the jobs of a workspace's communities: those whose
// arguments name one of them (community_id), or several (a capture's
// community_ids). $1 and $2 are the workspace's platform and external id.
const workspaceJobs = `
	WITH ws AS (SELECT array_agg(id) AS ids FROM communities
			-- the workspace's communities, and those they are linked into,
			-- which hold what their events make
			WHERE platform = $1 AND external_id = $2
			   OR id IN (SELECT linked_to FROM communities WHERE platform = $1 AND external_id = $2))
	SELECT j.id, j.created_at, j.scheduled_at FROM river_job j, ws
	WHERE ((j.args->>'community_id')::bigint = ANY(ws.ids)
	       OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(j.args->'community_ids') x WHERE x::bigint = ANY(ws.ids)))`

// WaitingJobs lists a workspace's jobs that wait for a later time, the
// soonest first.
func (s *Store) WaitingJobs(ctx context.Context, platform, workspace string) ([]WaitingJob, error) {
	rows, err := s.pool.Query(ctx, workspaceJobs+`
		AND j.state IN ('scheduled', 'retryable')
		ORDER BY j.scheduled_at, j.id`, platform, workspace)
	if err != nil {
		return nil, fmt.Errorf("list waiting jobs: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (WaitingJob, error) {
		var j WaitingJob
		err := r.Scan(&j.ID, &j.CreatedAt, &j.ScheduledAt)
		return j, err
	})
	if err != nil {
		return nil, fmt.Errorf("list waiting jobs: %w", err)
	}
	return jobs, nil
}

// DueJobs lists a workspace's jobs of every kind that are due and wait to
// run or are running (Unsettled's are those a console line waits on; a
// move of the clock waits on reminders, digests, questions and
// engagement refreshes too).
func (s *Store) DueJobs(ctx context.Context, platform, workspace string) ([]int64, error) {
	rows, err := s.pool.Query(ctx, workspaceJobs+`
		AND j.state IN ('available', 'running', 'pending') AND j.scheduled_at <= now()
		ORDER BY j.id`, platform, workspace)
	if err != nil {
		return nil, fmt.Errorf("list due jobs: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int64, error) {
		var j WaitingJob
		err := r.Scan(&j.ID, &j.CreatedAt, &j.ScheduledAt)
		return j.ID, err
	})
	if err != nil {
		return nil, fmt.Errorf("list due jobs: %w", err)
	}
	return jobs, nil
}
