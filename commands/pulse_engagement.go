package commands

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/knowledge"
)

// refreshAllArgs is the periodic job that queues an engagement refresh
// for every community; river runs periodic jobs on its leader only.
type refreshAllArgs struct{}

func (refreshAllArgs) Kind() string { return "plan_engagement_refreshes" }

type refreshAllWorker struct {
	river.WorkerDefaults[refreshAllArgs]
	core *Core
}

func (w *refreshAllWorker) Work(ctx context.Context, _ *river.Job[refreshAllArgs]) error {
	_, err := w.core.store.QueueEngagementRefreshes(ctx)
	return err
}

// refreshEngagementWorker recomputes one community's engagement levels
// and, in a large community, the figures stats keep for long periods, then
// decides its invitations to mentor from the levels.
type refreshEngagementWorker struct {
	river.WorkerDefaults[knowledge.RefreshEngagementArgs]
	core *Core
}

// Timeout allows for a large community: the refresh reads up to 270 days
// of votes (seconds for a million tips), more than river's default minute
// in the largest.
func (w *refreshEngagementWorker) Timeout(*river.Job[knowledge.RefreshEngagementArgs]) time.Duration {
	return 10 * time.Minute
}

func (w *refreshEngagementWorker) Work(ctx context.Context, job *river.Job[knowledge.RefreshEngagementArgs]) error {
	if err := w.core.store.RefreshEngagement(ctx, job.Args.CommunityID); err != nil {
		return err
	}
	// Without kept figures stats count them live, slower: the next
	// stats or the next hour queue another try.
	if err := w.core.store.RefreshPeriodFigures(ctx, job.Args.CommunityID); err != nil {
		w.core.log.WarnContext(ctx, "period figures not kept", slog.Int64("community", job.Args.CommunityID), slog.Any("error", err))
	}
	n, err := w.core.store.PlanInvitations(ctx, job.Args.CommunityID)
	if n > 0 {
		w.core.log.InfoContext(ctx, "invitations to mentor queued", slog.Int64("community", job.Args.CommunityID), slog.Int("count", n))
	}
	return err
}
