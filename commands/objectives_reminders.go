package commands

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// planRemindersArgs is the periodic job that decides which reminders are
// due; river runs periodic jobs on its leader only.
type planRemindersArgs struct{}

func (planRemindersArgs) Kind() string { return "plan_objective_reminders" }

type planRemindersWorker struct {
	river.WorkerDefaults[planRemindersArgs]
	core *Core
}

func (w *planRemindersWorker) Work(ctx context.Context, _ *river.Job[planRemindersArgs]) error {
	n, err := w.core.store.PlanReminders(ctx)
	if n > 0 {
		w.core.log.InfoContext(ctx, "objective reminders queued", slog.Int("count", n))
	}
	return err
}

// reminderWorker delivers one reminder: to the objective's channel,
// mentioning its owner, or as a direct message to the owner.
type reminderWorker struct {
	river.WorkerDefaults[knowledge.ReminderArgs]
	core *Core
}

func (w *reminderWorker) Work(ctx context.Context, job *river.Job[knowledge.ReminderArgs]) error {
	c, args := w.core, job.Args
	ref, err := c.jobCommunity(ctx, args.CommunityID)
	if err != nil {
		return err
	}
	p, claimed, err := c.store.ClaimReminder(ctx, args)
	if err != nil || !claimed {
		return heldSnooze(err)
	}
	o := p.Objective
	var t bot.Text
	if args.Reason == knowledge.ReminderOverdue {
		t = bot.Textf("%s %s was due on %s: ", bot.MentionOf(o.OwnerPlatformID), objectiveName(o), o.Due.Format(knowledge.DateLayout))
	} else {
		t = bot.Textf("%s no check-in on %s %s. How is it going? `/cop checkin %d <value|+delta> [note]`\n",
			bot.MentionOf(o.OwnerPlatformID), objectiveName(o), periodText(o.Cadence, args.PeriodStart), o.Number)
	}
	t = t.Append(progressLine(p), outlookLines(p))
	n := bot.Notice{Community: ref, ChannelID: o.ChannelID, UserID: o.OwnerPlatformID,
		Reply: bot.Reply{Text: t, Visibility: bot.InChannel}}
	return c.deliverClaimed(ctx, n, claim{
		release:   func(ctx context.Context) error { return c.store.ReleaseReminder(ctx, args) },
		delivered: func(ctx context.Context) error { return c.store.ReminderDelivered(ctx, args) },
	})
}

// periodText names the period a reminder is about: "in the week of
// 2027-01-04", "in the two weeks from …", "in January 2027".
func periodText(cadence, start string) string {
	switch cadence {
	case knowledge.CadenceMonthly:
		if d, err := time.Parse(knowledge.DateLayout, start); err == nil {
			return "in " + d.Format("January 2006")
		}
	case knowledge.CadenceBiweekly:
		return "in the two weeks from " + start
	}
	return "in the week of " + start
}
