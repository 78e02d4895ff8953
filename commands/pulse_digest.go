package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) digestCommand() family {
	return family{
		Name:     "digest",
		Summary:  "preview the weekly digest (facilitators)",
		Usage:    []string{"digest preview"},
		Examples: []string{"digest preview", "config digest-channel #general"},
		Notes: "Every Monday at 09:00 (the community's `timezone`) copbot posts a digest of the week to the channel set " +
			"with `/cop config digest-channel #channel`: the most-voted tips, new tags, objectives' progress and new " +
			"mentoring pairings (their topics, not who). A quiet week gets no digest. The preview shows the last seven days.",
		Handler: subcommands{"preview": forFacilitators(c.digestPreview)},
	}
}

func (c *Core) digestPreview(ctx context.Context, req *request) (bot.Reply, error) {
	if req.Args.Len() > 0 {
		return bot.Reply{}, usagef("digest", "`/cop digest preview` takes nothing more.")
	}
	cfg, err := c.store.Config(ctx, req.Community.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	d, next, err := c.store.DigestPreview(ctx, req.Member)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Plain("Preview of the weekly digest, for the last seven days.")
	if ch := cfg.DigestChannel(); ch == "" {
		t = t.Line("It is off: `/cop config digest-channel #channel` turns it on.")
	} else {
		t = t.Line("The next one goes to #%s on Monday at %s (%s).", bot.Untrusted(ch), next.Format("15:04"),
			bot.Untrusted(cfg.Location().String()))
	}
	if d.Empty() {
		return bot.Reply{Text: t.Line("Nothing happened in these seven days, so there would be no digest.")}, nil
	}
	return bot.Reply{Text: t.Line("").Append(renderDigest(d, "*The last seven days in the community*"))}, nil
}

// renderDigest writes a week for the channel. Pairings are shown by their
// topics only: who asks for a mentor is theirs to tell.
func renderDigest(d knowledge.Digest, title string) bot.Text {
	t := bot.Plain(title)
	t = t.Line("%d %s saved · %d %s · %d %s", d.TipsSaved, plural(d.TipsSaved, "tip", "tips"),
		d.Votes, plural(d.Votes, "vote", "votes"), d.Checkins, plural(d.Checkins, "check-in", "check-ins"))
	if len(d.TopTips) > 0 {
		t = t.Line("*Tips of the week*, most voted first:")
		for _, v := range d.TopTips {
			t = t.Append(bot.Plain("\n  "), tipLine(v.Tip))
			if v.Votes > 0 {
				t = t.Append(bot.Textf(" (%d this week)", v.Votes))
			} else {
				t = t.Append(bot.Plain(" (new)"))
			}
		}
	}
	if len(d.NewTags) > 0 {
		t = t.Line("*New tags*: %s", bot.Untrusted(hashTags(d.NewTags)))
	}
	if len(d.Objectives)+len(d.Achieved) > 0 {
		t = t.Line("*Objectives*")
		for _, o := range d.Objectives {
			t = t.Append(bot.Plain("\n  "), objectiveName(o.Progress.Objective), bot.Plain(": "), progressLine(o.Progress))
			if o.Gained != 0 {
				sign := "+"
				if o.Gained < 0 {
					sign = "−"
				}
				t = t.Append(bot.Textf(" (%s%s this week)", sign, knowledge.FormatAmount(math.Abs(o.Gained))))
			}
		}
		for _, o := range d.Achieved {
			t = t.Append(bot.Plain("\n  "), objectiveName(o), bot.Plain(": achieved this week!"))
		}
	}
	if d.NewPairings > 0 {
		t = t.Line("*Mentoring*: %d new %s", d.NewPairings, plural(d.NewPairings, "pairing", "pairings"))
		if len(d.PairingTopics) > 0 {
			t = t.Append(bot.Textf(" on %s", bot.Untrusted(hashTags(d.PairingTopics))))
		}
	}
	return t.Line("Find more with `/cop search` · ask for a mentor with `/cop mentor request <topics>`")
}

// planDigestsArgs is the periodic job that decides which digests are due;
// river runs periodic jobs on its leader only.
type planDigestsArgs struct{}

func (planDigestsArgs) Kind() string { return "plan_digests" }

type planDigestsWorker struct {
	river.WorkerDefaults[planDigestsArgs]
	core *Core
}

func (w *planDigestsWorker) Work(ctx context.Context, _ *river.Job[planDigestsArgs]) error {
	n, err := w.core.store.PlanDigests(ctx)
	if n > 0 {
		w.core.log.InfoContext(ctx, "weekly digests queued", slog.Int("count", n))
	}
	return err
}

// digestWorker posts one digest. It claims the digest before posting and
// releases the claim if the platform refuses, so it is posted once.
type digestWorker struct {
	river.WorkerDefaults[knowledge.DigestArgs]
	core *Core
}

func (w *digestWorker) Work(ctx context.Context, job *river.Job[knowledge.DigestArgs]) error {
	c, args := w.core, job.Args
	ref, err := c.jobCommunity(ctx, args.CommunityID)
	if err != nil {
		return err
	}
	cfg, err := c.store.Config(ctx, args.CommunityID)
	if err != nil {
		return err
	}
	channel := cfg.DigestChannel()
	if channel == "" {
		return nil // turned off since it was decided
	}
	claimed, err := c.store.ClaimDigest(ctx, args)
	if err != nil || !claimed {
		return heldSnooze(err)
	}
	release := func(ctx context.Context) error { return c.store.ReleaseDigest(ctx, args) }
	d, err := c.store.Digest(ctx, args.CommunityID, args.From, args.To)
	if err != nil {
		return errors.Join(err, release(context.WithoutCancel(ctx)))
	}
	title := fmt.Sprintf("*The week in the community* (%s – %s)", d.From.Format("Jan 2"), d.To.Add(-time.Second).Format("Jan 2"))
	n := bot.Notice{Community: ref, ChannelID: channel, Reply: bot.Reply{Text: renderDigest(d, title), Visibility: bot.InChannel}}
	return c.deliverClaimed(ctx, n, claim{release: release,
		delivered: func(ctx context.Context) error { return c.store.DigestDelivered(ctx, args) }})
}
