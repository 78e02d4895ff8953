package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// mentoringNoticesWorker sends the notices of a mentoring change, in order:
// introductions, answers, ends and follow-ups. Each is claimed in the store
// before it goes out, so a job run again sends nothing twice; a notice
// whose pairing moved on (a follow-up after the end) is skipped.
type mentoringNoticesWorker struct {
	river.WorkerDefaults[knowledge.MentoringNoticesArgs]
	core *Core
}

func (w *mentoringNoticesWorker) Work(ctx context.Context, job *river.Job[knowledge.MentoringNoticesArgs]) error {
	c, args := w.core, job.Args
	ref, err := c.jobCommunity(ctx, args.CommunityID)
	if err != nil {
		return err
	}
	for _, n := range args.Notices {
		p, err := c.store.PairingByID(ctx, args.CommunityID, n.PairingID)
		if errors.Is(err, knowledge.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := c.mentoringNotice(ctx, ref, args.CommunityID, p, n.Event); err != nil {
			var limited *bot.RateLimitedError
			if errors.As(err, &limited) {
				return river.JobSnooze(max(limited.RetryAfter, time.Second))
			}
			return fmt.Errorf("send %s notice of pairing %d: %w", n.Event, p.Number, err)
		}
	}
	return nil
}

func (c *Core) mentoringNotice(ctx context.Context, ref bot.CommunityRef, communityID int64, p knowledge.Pairing, event string) error {
	// claimed sends a notice once to each recipient (sendOnce), claimed in
	// the store under the notice's event and its recipient.
	claimed := func(notices []bot.Notice, states ...string) error {
		return c.sendOnce(ctx, notices,
			func(ctx context.Context, to string) (bool, error) {
				return c.store.ClaimNotice(ctx, communityID, p.ID, noticeKey(event, to), states...)
			}, c.noticeClaim(communityID, p.ID, event))
	}
	switch event {
	case knowledge.NoticeIntro:
		return c.introduce(ctx, ref, communityID, p)
	case knowledge.NoticeAccepted:
		return claimed(pairNotices(ref, p, []string{p.Mentee.PlatformUserID}, bot.Reply{Text: bot.Textf(
			"%s accepted pairing %d. Have a good first conversation, %s!",
			bot.MentionOf(p.Mentor.PlatformUserID), p.Number, bot.MentionOf(p.Mentee.PlatformUserID))}), knowledge.PairingActive)
	case knowledge.NoticeDeclined:
		pos, err := c.store.WaitlistPosition(ctx, communityID, p.RequestID)
		if err != nil || pos == 0 {
			return err // matched again at once: the new introduction says so
		}
		return claimed([]bot.Notice{{Community: ref, UserID: p.Mentee.PlatformUserID, Reply: bot.Reply{Text: bot.Textf(
			"%s can't take on a mentee right now, so you're back on the waitlist at position %d, your old place. "+
				"I'll introduce you to the next mentor who fits.", bot.Untrusted(p.Mentor.Name()), pos)}}}, knowledge.PairingDeclined)
	case knowledge.NoticeEnded:
		var to []string
		for _, m := range []knowledge.MemberRef{p.Mentor, p.Mentee} {
			if m.ID != p.ClosedBy {
				to = append(to, m.PlatformUserID)
			}
		}
		return claimed(pairNotices(ref, p, to, bot.Reply{Text: bot.Textf(
			"Pairing %d (%s mentoring %s) has ended. Thank you both! How did it go? Each of you can give feedback and "+
				"a rating for %d days: `/cop mentor end %d <feedback> rating 1-5`. The facilitators read it, and the mentor "+
				"reads the mentee's; nobody else does.",
			p.Number, bot.Untrusted(p.Mentor.Name()), bot.Untrusted(p.Mentee.Name()), knowledge.FeedbackDays, p.Number)}), knowledge.PairingEnded)
	case knowledge.NoticeFollowUp:
		return claimed(followUp(ref, p, c.store.Now()), knowledge.PairingProposed, knowledge.PairingActive)
	default:
		c.log.WarnContext(ctx, "unknown mentoring notice", slog.String("event", event))
	}
	return nil
}

// introduce opens a conversation with both people where the platform can
// (a group DM, a private thread) and posts the introduction there, with the
// mentor's Accept and Decline buttons; elsewhere, or when the conversation
// cannot be opened with both in it, it writes to each directly. The
// conversation is kept as soon as it is opened, so that a retry posts in
// it rather than open another.
func (c *Core) introduce(ctx context.Context, ref bot.CommunityRef, communityID int64, p knowledge.Pairing) error {
	if !p.Open() {
		return nil
	}
	if sent, err := c.store.NoticeSent(ctx, communityID, p.ID, knowledge.NoticeIntro); err != nil || sent {
		return err
	}
	direct, err := c.introducedDirectly(ctx, communityID, p)
	if err != nil {
		return err
	}
	channel := p.IntroChannel
	// In a community linked across workspaces, the two may be in different
	// ones: then each is written to where they are, with a note.
	ws, mentor := bot.Unqualify(ref, p.Mentor.PlatformUserID)
	menteeWS, mentee := bot.Unqualify(ref, p.Mentee.PlatformUserID)
	apart := !bot.SameWorkspace(ws, menteeWS)
	if opener, ok := c.adapters[ws.Platform].(bot.ConversationOpener); ok && channel == "" && !direct && !apart {
		from := ""
		if chWS, ch := bot.Unqualify(ref, p.ChannelID); bot.SameWorkspace(chWS, ws) {
			from = ch
		}
		topic := fmt.Sprintf("Mentoring: %s and %s", p.Mentor.Name(), p.Mentee.Name())
		opened, err := opener.OpenConversation(ctx, ws, from, []string{mentor, mentee}, topic)
		if opened != "" && !bot.SameWorkspace(ws, ref) {
			opened = ws.Qualify(opened)
		}
		var limited *bot.RateLimitedError
		switch {
		case errors.As(err, &limited):
			return err
		case err != nil:
			// Not opened, or opened without both in it: a conversation the
			// mentor cannot see introduces nobody; direct messages do.
			c.log.WarnContext(ctx, "introduction conversation not opened; writing to each directly",
				slog.Int("pairing", p.Number), slog.Any("error", err))
		case opened != "":
			if err := c.store.KeepIntroChannel(ctx, communityID, p.ID, opened); err != nil {
				return err
			}
			channel = opened
		}
	}
	text := introduction(p)
	if apart {
		text = text.Line("You two meet in different workspaces of this community (%s and %s): write to each other where you both are, or find each other there.",
			string(ws.Platform), string(menteeWS.Platform))
	}
	reply := bot.Reply{Text: text, Visibility: bot.InChannel, Buttons: acceptButtons(p.Number)}
	reply.Buttons[0].Label, reply.Buttons[1].Label = "Accept", "Decline"
	notices := []bot.Notice{{Community: ref, ChannelID: channel, Reply: reply}}
	if channel == "" {
		notices = []bot.Notice{{Community: ref, UserID: p.Mentor.PlatformUserID, Reply: reply},
			{Community: ref, UserID: p.Mentee.PlatformUserID, Reply: bot.Reply{Text: reply.Text}}}
	}
	states := []string{knowledge.PairingProposed, knowledge.PairingActive}
	return c.sendOnce(ctx, notices,
		func(ctx context.Context, to string) (bool, error) {
			return c.store.ClaimNotice(ctx, communityID, p.ID, noticeKey(knowledge.NoticeIntro, to), states...)
		}, c.noticeClaim(communityID, p.ID, knowledge.NoticeIntro))
}

// introducedDirectly reports whether an earlier attempt began writing the
// introduction to each of the pair directly: a retry goes on that way, so
// that nobody gets it twice.
func (c *Core) introducedDirectly(ctx context.Context, communityID int64, p knowledge.Pairing) (bool, error) {
	for _, m := range []knowledge.MemberRef{p.Mentor, p.Mentee} {
		sent, err := c.store.NoticeSent(ctx, communityID, p.ID, noticeKey(knowledge.NoticeIntro, m.PlatformUserID))
		if err != nil || sent {
			return sent, err
		}
	}
	return false, nil
}

func introduction(p knowledge.Pairing) bot.Text {
	mentor, mentee := bot.MentionOf(p.Mentor.PlatformUserID), bot.MentionOf(p.Mentee.PlatformUserID)
	t := bot.Textf("*Mentoring introduction — pairing %d*", p.Number)
	t = t.Line("%s, meet %s, your mentor for %s.", mentee, mentor, bot.Untrusted(hashTags(p.Topics)))
	t = t.Append(bot.Plain("\nWhy you two: "), reason(p, ""), bot.Plain("."))
	t = t.Line("Suggested first steps:")
	t = t.Line("  1. %s: say hello and what you'd like to learn first.", bot.Untrusted(p.Mentee.Name()))
	t = t.Line("  2. %s: accept below, then suggest a time for a first 30-minute chat.", bot.Untrusted(p.Mentor.Name()))
	if len(p.Topics) > 0 {
		t = t.Line("  3. Both: see what the community already knows with `/cop search %s`.", bot.Untrusted(p.Topics[0]))
	}
	return t.Line("Either of you can end the pairing with `/cop mentor end %d <feedback> rating 1-5`.", p.Number)
}

// followUp asks both "have you met?" some days after pairing; a mentor who
// has not answered the introduction yet is reminded instead.
func followUp(ref bot.CommunityRef, p knowledge.Pairing, now time.Time) []bot.Notice {
	since := age(now.Sub(p.CreatedAt))
	if p.State == knowledge.PairingProposed {
		return []bot.Notice{{Community: ref, UserID: p.Mentor.PlatformUserID, Reply: bot.Reply{
			Text: bot.Textf("%s asked for a mentor on %s %s ago and was introduced to you (pairing %d). Can you take them on?",
				bot.Untrusted(p.Mentee.Name()), bot.Untrusted(hashTags(p.Topics)), since, p.Number),
			Buttons: acceptButtons(p.Number)}}}
	}
	return pairNotices(ref, p, []string{p.Mentor.PlatformUserID, p.Mentee.PlatformUserID}, bot.Reply{Text: bot.Textf(
		"Have you met? It's been %s since I introduced %s to %s (pairing %d, on %s). "+
			"If it works, keep going; when you're done, or if it doesn't, either of you can end it with "+
			"`/cop mentor end %d <feedback> rating 1-5`.", since, bot.MentionOf(p.Mentee.PlatformUserID),
		bot.MentionOf(p.Mentor.PlatformUserID), p.Number, bot.Untrusted(hashTags(p.Topics)), p.Number)})
}

// pairNotices posts in the pairing's conversation when there is one (both
// see it), and otherwise writes to each of to directly.
func pairNotices(ref bot.CommunityRef, p knowledge.Pairing, to []string, r bot.Reply) []bot.Notice {
	if p.IntroChannel != "" {
		r.Visibility = bot.InChannel
		return []bot.Notice{{Community: ref, ChannelID: p.IntroChannel, Reply: r}}
	}
	out := make([]bot.Notice, len(to))
	for i, id := range to {
		out[i] = bot.Notice{Community: ref, UserID: id, Reply: r}
	}
	return out
}

// noticeClaim is the claim of one recipient's copy of a pairing's notice.
func (c *Core) noticeClaim(communityID, pairingID int64, event string) func(to string) claim {
	return func(to string) claim {
		key := noticeKey(event, to)
		return claim{
			release:   func(ctx context.Context) error { return c.store.ReleaseNotice(ctx, communityID, pairingID, key) },
			delivered: func(ctx context.Context) error { return c.store.NoticeDelivered(ctx, communityID, pairingID, key) },
		}
	}
}

// noticeKey is the claim of one recipient's copy of a notice: the event
// alone for a conversation both people read, the event and the member for
// a direct message.
func noticeKey(event, to string) string {
	if to == "" {
		return event
	}
	return event + ":" + to
}

// mentorResumeWorker resumes a mentor whose pause ran out, matching the
// waitlist into their room.
type mentorResumeWorker struct {
	river.WorkerDefaults[knowledge.MentorResumeArgs]
	core *Core
}

func (w *mentorResumeWorker) Work(ctx context.Context, job *river.Job[knowledge.MentorResumeArgs]) error {
	res, err := w.core.store.ResumeDue(ctx, job.Args)
	if err != nil {
		return err
	}
	w.core.log.DebugContext(ctx, "mentor pause over", slog.Int64("member", job.Args.MemberID),
		slog.Bool("resumed", res.WasPaused), slog.Int("paired", len(res.Paired)))
	return nil
}

type welcomeWorker struct {
	river.WorkerDefaults[knowledge.WelcomeArgs]
	core *Core
}

func (w *welcomeWorker) Work(ctx context.Context, job *river.Job[knowledge.WelcomeArgs]) error {
	c, args := w.core, job.Args
	ref, err := c.jobCommunity(ctx, args.CommunityID)
	if err != nil {
		return err
	}
	cfg, err := c.store.Config(ctx, args.CommunityID)
	if err != nil {
		return err
	}
	on, custom := cfg.Welcome()
	if !on {
		return nil
	}
	// Bots and the platform's admins (who run the community) are not
	// welcomed; each member is welcomed once, however often they join. Nor
	// is a member copbot knew for a week before this join: on Slack a join
	// is a join to a channel copbot watches, and a regular who joins one is
	// no newcomer.
	m, claimed, err := c.store.ClaimWelcome(ctx, args.CommunityID, args.MemberID)
	if err != nil {
		return heldSnooze(err)
	}
	if !claimed || m.IsBot || m.IsAdmin || m.JoinedAt != nil && m.JoinedAt.Sub(m.FirstSeen) > 7*24*time.Hour {
		return err
	}
	text := bot.Textf("Welcome, %s! If you'd like a mentor, an experienced member to learn from, ask with "+
		"`/cop mentor request <topics>`, for example `/cop mentor request testing #ci`. "+
		"Already experienced? Offer your help with `/cop mentor offer <topics>`. `/cop help` shows the rest.",
		bot.Untrusted(displayName(m)))
	if custom != "" {
		text = bot.Textf("%s", bot.Untrusted(custom))
	}
	return c.deliverClaimed(ctx, bot.Notice{Community: ref, UserID: m.PlatformUserID, Reply: bot.Reply{Text: text}}, claim{
		release:   func(ctx context.Context) error { return c.store.ReleaseWelcome(ctx, args.CommunityID, args.MemberID) },
		delivered: func(ctx context.Context) error { return c.store.WelcomeDelivered(ctx, args.CommunityID, args.MemberID) },
	})
}
