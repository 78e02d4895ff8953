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

// addWorkers registers every job worker of the core with river.
func (c *Core) addWorkers(w *river.Workers) {
	river.AddWorker(w, &captureWorker{core: c})
	river.AddWorker(w, &pruneWorker{core: c})
	river.AddWorker(w, &planRemindersWorker{core: c})
	river.AddWorker(w, &reminderWorker{core: c})
	river.AddWorker(w, &mentoringNoticesWorker{core: c})
	river.AddWorker(w, &mentorResumeWorker{core: c})
	river.AddWorker(w, &welcomeWorker{core: c})
	river.AddWorker(w, &planDigestsWorker{core: c})
	river.AddWorker(w, &digestWorker{core: c})
	river.AddWorker(w, &planStoriesWorker{core: c})
	river.AddWorker(w, &storyPromptWorker{core: c})
	river.AddWorker(w, &refreshAllWorker{core: c})
	river.AddWorker(w, &refreshEngagementWorker{core: c})
	river.AddWorker(w, &invitationWorker{core: c})
	river.AddWorker(w, &restemWorker{core: c})
}

// jobCommunity returns the platform's name for a job's community; a
// community that is gone cancels the job, since no retry brings it back.
func (c *Core) jobCommunity(ctx context.Context, id int64) (bot.CommunityRef, error) {
	community, err := c.store.CommunityByID(ctx, id)
	if errors.Is(err, knowledge.ErrNotFound) {
		return bot.CommunityRef{}, river.JobCancel(err)
	}
	if err != nil {
		return bot.CommunityRef{}, err
	}
	return bot.CommunityRef{Platform: bot.Platform(community.Platform), ExternalID: community.ExternalID}, nil
}

// restemWorker re-indexes a community's tips after its search language
// changed.
type restemWorker struct {
	river.WorkerDefaults[knowledge.RestemArgs]
	core *Core
}

func (w *restemWorker) Work(ctx context.Context, job *river.Job[knowledge.RestemArgs]) error {
	n, err := w.core.store.Restem(ctx, job.Args.CommunityID)
	if err != nil {
		return err // river retries; the batches already done stay done
	}
	w.core.log.InfoContext(ctx, "tips re-indexed in a new language", slog.Int64("community", job.Args.CommunityID), slog.Int64("tips", n))
	return nil
}

// periodicJobs are the core's recurring jobs; river runs them on its leader
// only, so several copbot processes never run one twice.
func periodicJobs() []*river.PeriodicJob {
	every := func(d time.Duration, args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(d),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{RunOnStart: true})
	}
	return []*river.PeriodicJob{
		every(time.Hour, pruneArgs{}),
		every(reminderPlanInterval, planRemindersArgs{}),
		every(knowledge.DigestPlanInterval, planDigestsArgs{}),
		every(storyPlanInterval, planStoriesArgs{}),
		every(knowledge.EngagementRefreshInterval, refreshAllArgs{}),
	}
}
