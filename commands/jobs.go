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
	river.AddWorker(w, &reactionNoteWorker{core: c})
	river.AddWorker(w, &shareOfferWorker{core: c})
}

// jobCommunity returns the platform's name for a job's community: every job
// that sends something finds its community this way, by the id in its
// arguments (captures excepted: a batch's items carry theirs, read in the
// query that claims them). A community that is gone cancels the job, since
// no retry brings it back.
func (c *Core) jobCommunity(ctx context.Context, id int64) (bot.CommunityRef, error) {
	community, err := c.store.CommunityByID(ctx, id)
	if errors.Is(err, knowledge.ErrNotFound) {
		return bot.CommunityRef{}, river.JobCancel(err)
	}
	if err != nil {
		return bot.CommunityRef{}, err
	}
	return refOf(community), nil
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

// periodicJobs are every recurring job of the core with its interval, the
// one place they are declared; river runs them on its leader only, so
// several copbot processes never run one twice, and runs each once at
// start. Each planner finds what is due by the store's clock, so its
// interval is only how late a reminder, digest or question may be.
func periodicJobs() []*river.PeriodicJob {
	every := func(d time.Duration, args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(d),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil },
			&river.PeriodicJobOpts{RunOnStart: true})
	}
	return []*river.PeriodicJob{
		every(time.Hour, pruneArgs{}),              // old inbox rows, searches and repeated commands
		every(10*time.Minute, planRemindersArgs{}), // objective reminders due
		every(10*time.Minute, planDigestsArgs{}),   // weekly digests due (Monday 09:00 local)
		every(5*time.Minute, planStoriesArgs{}),    // "Did this change how you work?" questions due
		every(time.Hour, refreshAllArgs{}),         // engagement levels, kept figures, invitations to mentor
	}
}
