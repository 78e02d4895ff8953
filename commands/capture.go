package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// reaction records a save reaction; the capture itself runs as a job.
// Other emoji are ignored before anything is written.
func (c *Core) reaction(ctx context.Context, ev *bot.Event, community knowledge.Community) error {
	cfg, err := c.settings(ctx, community.ID)
	if err != nil {
		return err
	}
	if !sameEmoji(ev.Emoji, cfg.SaveEmoji()) {
		return nil
	}
	voter, err := c.store.SeeMember(ctx, community.ID, person(ev.User))
	if err != nil {
		return err
	}
	capture := knowledge.CaptureArgs{
		CommunityID: community.ID, Platform: string(ev.Community.Platform), ExternalID: ev.Community.ExternalID,
		ChannelID: ev.Channel.ID, MessageID: ev.Message.ID, ThreadID: ev.Message.ThreadID, ReactorID: ev.User.ID,
	}
	if ev.Message.Text != "" {
		capture.Message = &knowledge.Message{
			Text: ev.Message.Text, AuthorID: ev.Message.Author.ID, AuthorName: ev.Message.Author.Name,
			AuthorBot: ev.Message.Author.IsBot, ThreadID: ev.Message.ThreadID,
		}
	}
	res, err := c.store.RecordReaction(ctx, knowledge.Reaction{
		EventID: ev.ID, Voter: voter, Added: ev.Kind == bot.ReactionAdded, Capture: capture,
		Private: ev.Channel.Private, ChannelName: ev.Channel.Name,
	})
	if err != nil {
		return err
	}
	if res.Ignored != "" || res.Duplicate {
		c.log.DebugContext(ctx, "reaction not captured", slog.String("event_id", ev.ID),
			slog.String("reason", res.Ignored), slog.Bool("duplicate", res.Duplicate))
	}
	return nil
}

// sameEmoji compares reaction names the way people think of them: ":Bulb:"
// is "bulb", and Slack's skin tone suffix ("+1::skin-tone-2") does not matter.
func sameEmoji(reaction, want string) bool {
	norm := func(s string) string {
		s, _, _ = strings.Cut(strings.Trim(s, ":"), "::")
		return strings.ToLower(s)
	}
	return reaction != "" && norm(reaction) == norm(want)
}

// captureWorker finishes captures: fetch the message if needed, save the
// tip, confirm to the member who reacted.
type captureWorker struct {
	river.WorkerDefaults[knowledge.CaptureArgs]
	core *Core
}

func (w *captureWorker) Work(ctx context.Context, job *river.Job[knowledge.CaptureArgs]) error {
	c, args := w.core, job.Args
	ref := bot.CommunityRef{Platform: bot.Platform(args.Platform), ExternalID: args.ExternalID}
	msg := args.Message
	if msg == nil {
		fetcher, ok := c.adapters[ref.Platform].(bot.MessageFetcher)
		if !ok {
			return river.JobCancel(fmt.Errorf("no adapter can fetch %s messages", ref.Platform))
		}
		fm, err := fetcher.FetchMessage(ctx, ref, args.ChannelID, args.MessageID, args.ThreadID)
		var limited *bot.RateLimitedError
		switch {
		case errors.As(err, &limited):
			return river.JobSnooze(max(limited.RetryAfter, time.Second))
		case errors.Is(err, bot.ErrMessageGone):
			return c.store.DropCapture(ctx, args)
		case err != nil:
			return fmt.Errorf("fetch message %s: %w", args.MessageID, err)
		}
		msg = &knowledge.Message{Text: fm.Text, AuthorID: fm.Author.ID, AuthorName: fm.Author.Name,
			AuthorBot: fm.Author.IsBot, Permalink: fm.Permalink, ThreadID: fm.ThreadID}
	}
	tip, err := c.store.CompleteCapture(ctx, args, *msg)
	if errors.Is(err, knowledge.ErrBotMessage) {
		return nil
	}
	if err != nil {
		return err
	}
	c.notify(ctx, bot.Notice{Community: ref, ChannelID: args.ChannelID, UserID: args.ReactorID, Reply: bot.Reply{
		Text: bot.Textf("Saved as tip %d — add tags with `/cop tag %d #testing`.", tip.Number, tip.Number),
	}})
	return nil
}

// notify sends a notice if the platform's adapter can; a notice that cannot
// be delivered is logged, never retried into a duplicate.
func (c *Core) notify(ctx context.Context, n bot.Notice) {
	notifier, ok := c.adapters[n.Community.Platform].(bot.Notifier)
	if !ok {
		return
	}
	if err := notifier.Notify(ctx, n); err != nil {
		c.log.WarnContext(ctx, "notice not delivered", slog.String("community", n.Community.String()),
			slog.String("channel", n.ChannelID), slog.Any("error", err))
	}
}

// pruneArgs is the periodic job that forgets old delivery identities.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prune_events" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	core *Core
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	_, err := w.core.store.PruneEvents(ctx, 24*time.Hour)
	return err
}

// AddWorkers registers the core's job workers with river.
func (c *Core) AddWorkers(w *river.Workers) {
	c.working.Store(true)
	river.AddWorker(w, &captureWorker{core: c})
	river.AddWorker(w, &pruneWorker{core: c})
	river.AddWorker(w, &mentoringNoticesWorker{core: c})
	river.AddWorker(w, &mentorResumeWorker{core: c})
	river.AddWorker(w, &welcomeWorker{core: c})
}

// PeriodicJobs are the core's recurring jobs; river runs them on its leader
// only, so several copbot processes never run one twice.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}

// Settle waits until the community's captures and mentoring notices have
// finished, so that the console can complete a line's effects before it
// reads the next. A core whose workers were never added has no jobs that
// will finish, and returns at once.
func (c *Core) Settle(ctx context.Context, ref bot.CommunityRef) error {
	if !c.working.Load() {
		return nil
	}
	community, err := c.store.Community(ctx, string(ref.Platform), ref.ExternalID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		n, err := c.pending(ctx, community.ID)
		if err != nil || n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("background work still pending: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
