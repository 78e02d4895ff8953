package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kyokomi/emoji/v2"
	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// reaction records a save reaction in the inbox; everything else happens
// after the acknowledgement. Other emoji, and bots' reactions, are ignored
// before anything is written: a platform sends every reaction, and one that
// is not a save must cost no write. A removal counts with any emoji that
// was ever the save emoji, so that a vote cast before a change can be taken
// back.
func (c *Core) reaction(ctx context.Context, ev *bot.Event, community knowledge.Community) error {
	cfg, err := c.settings(ctx, community.ID)
	if err != nil {
		return err
	}
	switch {
	case ev.User.IsBot:
		c.dropped(dropBot)
		return nil
	case ev.Kind == bot.ReactionAdded && !sameEmoji(ev.Emoji, cfg.SaveEmoji()),
		ev.Kind == bot.ReactionRemoved && !anyEmoji(ev.Emoji, cfg.SaveEmojis()):
		c.dropped(dropOtherEmoji)
		return nil
	}
	r := knowledge.Reaction{
		Voter: person(ev.User), Added: ev.Kind == bot.ReactionAdded,
		ChannelID: ev.Channel.ID, ChannelName: ev.Channel.Name, Private: ev.Channel.Private,
		MessageID: ev.Message.ID, ThreadID: ev.Message.ThreadID,
	}
	if ev.Message.Text != "" {
		r.Message = &knowledge.Message{
			Text: ev.Message.Text, AuthorID: ev.Message.Author.ID, AuthorName: ev.Message.Author.Name,
			AuthorBot: ev.Message.Author.IsBot, ThreadID: ev.Message.ThreadID,
		}
	}
	return c.recorded(c.store.RecordReaction(ctx, community.ID, ev.ID, r))
}

// reactionsCleared records that a message's reactions were cleared: all of
// them (Emoji empty), or every reaction with one emoji, which matters only
// when it is or was the save emoji.
func (c *Core) reactionsCleared(ctx context.Context, ev *bot.Event, community knowledge.Community) error {
	if ev.Emoji != "" {
		cfg, err := c.settings(ctx, community.ID)
		if err != nil {
			return err
		}
		if !anyEmoji(ev.Emoji, cfg.SaveEmojis()) {
			c.dropped(dropOtherEmoji)
			return nil
		}
	}
	return c.recorded(c.store.RecordClear(ctx, community.ID, ev.ID, ev.Channel.ID, ev.Message.ID))
}

// anyEmoji reports whether a reaction is one of several emoji (sameEmoji).
func anyEmoji(reaction string, wants []string) bool {
	return slices.ContainsFunc(wants, func(want string) bool { return sameEmoji(reaction, want) })
}

// sameEmoji compares reaction names the way people think of them: ":Bulb:"
// is "bulb", and Slack's skin tone suffix ("+1::skin-tone-2") does not matter.
// Names and characters are one emoji: Discord sends a standard reaction as
// its character, so "bulb" matches "💡" (and "+1" matches "👍🏽").
func sameEmoji(reaction, want string) bool {
	norm := func(s string) string {
		s, _, _ = strings.Cut(strings.Trim(s, ":"), "::")
		s = strings.ToLower(s)
		if char, ok := emoji.CodeMap()[":"+s+":"]; ok {
			s = char
		}
		return strings.Map(func(r rune) rune {
			if r == '\uFE0F' || (r >= 0x1F3FB && r <= 0x1F3FF) { // emoji presentation, skin tones
				return -1
			}
			return r
		}, s)
	}
	return reaction != "" && norm(reaction) == norm(want)
}

// captureWorker finishes captures: fetch the messages that need it, save
// the tips together, confirm to the members who reacted.
type captureWorker struct {
	river.WorkerDefaults[knowledge.CaptureArgs]
	core *Core
}

// NextRetry backs a failed capture off exponentially, from 2 seconds to at
// most 10 minutes: a short outage (the database restarting, Slack answering
// 500s for a minute) then delays captures by seconds, not by river's
// default of attempt⁴ seconds (81 s at the third attempt), and a message
// that cannot be fetched is still tried for a few hours (MaxAttempts).
func (w *captureWorker) NextRetry(job *river.Job[knowledge.CaptureArgs]) time.Time {
	delay := min(time.Duration(1<<min(job.Attempt, 10))*time.Second, 10*time.Minute)
	return time.Now().Add(delay)
}

// fetchConcurrency bounds one capture job's message fetches in flight.
const fetchConcurrency = 16

// lastAttemptWait is how long a capture on its last attempt waits before
// trying again when the database failed it: river would discard it, and
// its tips would stay pending for good.
const lastAttemptWait = time.Minute

// Work captures what is still pending of the job's tips. Every tip ends
// saved or given up: on the last attempt, messages that still cannot be
// fetched are given up (a new reaction captures them afresh), rate-limited
// ones wait as long as the platform asks, and a database failure waits
// rather than ends the job.
func (w *captureWorker) Work(ctx context.Context, job *river.Job[knowledge.CaptureArgs]) error {
	c := w.core
	last := job.Attempt >= job.MaxAttempts
	err := w.work(ctx, job.Args.Tips, last)
	var snooze *river.JobSnoozeError
	if err != nil && last && !errors.As(err, &snooze) && ctx.Err() == nil {
		c.log.WarnContext(ctx, "capture failed on its last attempt; waiting", slog.Duration("retry_in", lastAttemptWait), slog.Any("error", err))
		return river.JobSnooze(lastAttemptWait)
	}
	return err
}

func (w *captureWorker) work(ctx context.Context, tips []knowledge.CaptureItem, last bool) error {
	c := w.core
	items, err := c.store.StillPending(ctx, tips)
	if err != nil {
		return err
	}
	c.yieldToAcknowledgements(ctx)
	done, wait, failed, fetchErr := c.fetchAll(ctx, items)
	tooLong := dropTooLong(done)
	saved, err := c.saveCaptures(ctx, done)
	c.confirm(ctx, saved) // what was saved before a failure, too
	if err != nil {
		return err
	}
	c.refuseTooLong(ctx, tooLong)
	if fetchErr != nil && last {
		// Give these up, so that a new reaction to one of the messages
		// captures it afresh; the rate-limited ones wait below.
		c.log.WarnContext(ctx, "captures given up after every attempt", slog.Int("tips", len(failed)), slog.Any("error", fetchErr))
		if err := c.store.GiveUpCaptures(ctx, failed); err != nil {
			return err
		}
		fetchErr = nil
	}
	switch {
	case fetchErr != nil:
		return fetchErr // river retries the rest with its backoff
	case wait > 0:
		return river.JobSnooze(wait)
	}
	return nil
}

// saveCaptures saves the fetched tips together. When PostgreSQL refuses
// the batch, it saves them one by one and gives up those it refuses alone,
// so that one tip (or one community's) cannot hold up the others. It
// returns the tips saved, those before a failure included.
func (c *Core) saveCaptures(ctx context.Context, done []knowledge.Captured) ([]knowledge.CapturedTip, error) {
	saved, err := c.store.CompleteCaptures(ctx, done)
	switch {
	case err == nil:
		return saved, nil
	case !knowledge.IsRefused(err):
		return nil, err
	}
	saved = nil
	for _, d := range done {
		one, err := c.store.CompleteCaptures(ctx, []knowledge.Captured{d})
		switch {
		case err == nil:
			saved = append(saved, one...)
		case knowledge.IsRefused(err):
			c.log.ErrorContext(ctx, "capture refused by the database; given up", slog.Int64("community_id", d.Item.CommunityID),
				slog.Int64("tip_id", d.Item.TipID), slog.Any("error", err))
			if err := c.store.GiveUpCaptures(ctx, []knowledge.CaptureItem{d.Item}); err != nil {
				return saved, err
			}
		default:
			return saved, err
		}
	}
	return saved, nil
}

// fetchAll fetches the messages the items lack, a few at a time. Items
// whose platform asked copbot to wait are left for later: wait is how long.
// Items that failed otherwise are returned with their errors joined; what
// was fetched is still returned.
func (c *Core) fetchAll(ctx context.Context, items []knowledge.CaptureItem) (done []knowledge.Captured, wait time.Duration, failed []knowledge.CaptureItem, err error) {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, fetchConcurrency)
	)
	// skip keeps an item that needs no fetch now (its message came with the
	// event, no adapter here fetches it, its platform asked copbot to
	// wait), under mu: the fetches already started write the same lists.
	skip := func(it knowledge.CaptureItem, ref bot.CommunityRef, canFetch bool) bool {
		mu.Lock()
		defer mu.Unlock()
		switch d := c.limitedFor(ref); {
		case it.Message != nil:
			done = append(done, knowledge.Captured{Item: it, Message: *it.Message})
		case !canFetch:
			errs = append(errs, fmt.Errorf("no adapter here can fetch %s messages", ref.Platform))
			failed = append(failed, it)
		case d > 0:
			wait = max(wait, d)
		default:
			return false
		}
		return true
	}
	for _, it := range items {
		// A message of another side of a linked community is fetched there.
		home := bot.CommunityRef{Platform: bot.Platform(it.Platform), ExternalID: it.ExternalID}
		ref, channel := bot.Unqualify(home, it.ChannelID)
		_, message := bot.Unqualify(ref, it.MessageID)
		_, thread := bot.Unqualify(ref, it.ThreadID)
		fetcher, canFetch := c.adapters[ref.Platform].(bot.MessageFetcher)
		if skip(it, ref, canFetch) {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fm, err := fetcher.FetchMessage(ctx, ref, channel, message, thread)
			mu.Lock()
			defer mu.Unlock()
			var limited *bot.RateLimitedError
			switch {
			case errors.As(err, &limited):
				d := max(limited.RetryAfter, time.Second)
				c.limitUntil(ref, time.Now().Add(d))
				wait = max(wait, d)
			case errors.Is(err, bot.ErrMessageGone):
				done = append(done, knowledge.Captured{Item: it, Gone: true})
			case err != nil:
				errs = append(errs, fmt.Errorf("fetch message %s: %w", it.MessageID, err))
				failed = append(failed, it)
			default:
				own := func(id string) string { return id }
				if !bot.SameWorkspace(ref, home) {
					own = ref.Qualify
				}
				done = append(done, knowledge.Captured{Item: it, Message: knowledge.Message{
					Text: fm.Text, AuthorID: own(fm.Author.ID), AuthorName: fm.Author.Name, AuthorBot: fm.Author.IsBot,
					Permalink: fm.Permalink, ThreadID: own(fm.ThreadID), Private: fm.Private,
				}})
			}
		})
	}
	wg.Wait()
	return done, wait, failed, errors.Join(errs...)
}

// limitedFor says how long a community's platform asked copbot to wait
// before the next call, so that one 429 pauses every capture for it, not
// only the job that met it.
func (c *Core) limitedFor(ref bot.CommunityRef) time.Duration {
	if v, ok := c.limits.Load(ref); ok {
		return time.Until(v.(time.Time))
	}
	return 0
}

func (c *Core) limitUntil(ref bot.CommunityRef, t time.Time) { c.limits.Store(ref, t) }

// confirm tells each member whose reaction saved a tip, and the message's
// author, privately, a few notices at a time. Tips whose votes were taken
// back meanwhile get none.
func (c *Core) confirm(ctx context.Context, saved []knowledge.CapturedTip) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, fetchConcurrency)
	for _, s := range saved {
		if s.Tip.RemovedAt != nil {
			continue
		}
		ref := bot.CommunityRef{Platform: bot.Platform(s.Item.Platform), ExternalID: s.Item.ExternalID}
		n := s.Tip.Number
		var notices []bot.Notice
		if s.Item.ReactorID != "" {
			t := savedText(s.Tip)
			notices = append(notices, bot.Notice{Community: ref, ChannelID: s.Item.ChannelID, UserID: s.Item.ReactorID, Reply: bot.Reply{Text: t}})
		}
		if s.TellAuthor != "" {
			t := bot.Textf("Your message was saved to the community's repository as tip %d", n)
			if s.Item.ReactorID != "" {
				t = t.Append(bot.Textf(" by %s", bot.MentionOf(s.Item.ReactorID)))
			}
			t = t.Append(bot.Textf(". You and facilitators can take it out with `/cop remove %d`; "+
				"`/cop notes off` stops these notes.", n))
			notices = append(notices, bot.Notice{Community: ref, UserID: s.TellAuthor, Reply: bot.Reply{Text: t}})
		}
		if len(notices) == 0 {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for _, n := range notices { // the reactor first, then the author
				c.notify(ctx, n)
			}
		})
	}
	wg.Wait()
}

// notify sends a notice that may be lost (a capture's confirmation): one
// that cannot be delivered is logged, never retried into a duplicate.
func (c *Core) notify(ctx context.Context, n bot.Notice) {
	if err := c.send(ctx, n); err != nil {
		c.log.WarnContext(ctx, "notice not delivered", slog.String("community", n.Community.String()),
			slog.String("channel", n.ChannelID), slog.Any("error", err))
	}
}

// send sends a notice through the platform's adapter and says whether it
// went, for notices whose job retries them until they do.
func (c *Core) send(ctx context.Context, n bot.Notice) error {
	n, err := c.addressed(ctx, n)
	if err != nil {
		return err
	}
	notifier, ok := c.adapters[n.Community.Platform].(bot.Notifier)
	if !ok {
		return fmt.Errorf("no adapter here can send %s notices", n.Community.Platform)
	}
	n.Reply = scoped(n.Community.Name, n.Reply)
	if err := notifier.Notify(ctx, n); err != nil {
		return fmt.Errorf("send notice: %w", err)
	}
	return nil
}
