package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) mentorStatus(ctx context.Context, req *request) (bot.Reply, error) {
	st, err := c.store.MentoringStatus(ctx, req.Member)
	if err != nil {
		return bot.Reply{}, err
	}
	var t bot.Text
	var buttons []bot.Button
	if m := st.Mentor; m != nil {
		t = t.Line("You mentor on %s: %d of %d %s taken.", bot.Untrusted(hashTags(m.Topics)), m.Load, m.Capacity,
			plural(m.Capacity, "slot", "slots"))
		if m.Paused {
			t = t.Append(bot.Textf(" Paused%s.", pausedUntil(*m)))
		}
	}
	for _, p := range st.Pairings {
		if p.Mentor.ID == req.Member.ID {
			t = t.Line("Pairing %d: you mentor %s on %s — %s.", p.Number, bot.MentionOf(p.Mentee.PlatformUserID),
				bot.Untrusted(hashTags(p.Topics)), pairingState(p, true, c.store.Now()))
			if p.State == knowledge.PairingProposed {
				buttons = append(buttons, acceptButtons(p.Number)...)
			}
			continue
		}
		t = t.Line("Pairing %d: %s mentors you on %s — %s.", p.Number, bot.MentionOf(p.Mentor.PlatformUserID),
			bot.Untrusted(hashTags(p.Topics)), pairingState(p, false, c.store.Now()))
	}
	if w := st.Waiting; w != nil {
		t = t.Line("You're on the waitlist at position %d for %s, for %s.", w.Position, bot.Untrusted(hashTags(w.Topics)),
			age(c.store.Now().Sub(w.Since)))
	}
	t = endedLines(t, req.Member, st)
	if len(t) == 0 {
		t = bot.Plain("You're not mentoring or being mentored. `/cop mentor request <topics>` finds you a mentor; " +
			"`/cop mentor offer <topics>` offers your help.")
	}
	return bot.Reply{Text: t, Buttons: buttons}, nil
}

func pairingState(p knowledge.Pairing, mentor bool, now time.Time) bot.Text {
	switch {
	case p.State == knowledge.PairingActive:
		return bot.Plain("under way for " + age(now.Sub(*p.AcceptedAt)))
	case mentor:
		return bot.Plain("waiting for your answer")
	default:
		return bot.Textf("introduced; waiting for %s to accept", bot.Untrusted(p.Mentor.Name()))
	}
}

func acceptButtons(number int) []bot.Button {
	return []bot.Button{
		{Label: fmt.Sprintf("Accept %d", number), Command: fmt.Sprintf("mentor accept %d", number), Style: "primary"},
		{Label: fmt.Sprintf("Decline %d", number), Command: fmt.Sprintf("mentor decline %d", number), Style: "danger"},
	}
}

func (c *Core) mentorList(ctx context.Context, req *request) (bot.Reply, error) {
	o, err := c.store.MentoringOverview(ctx, req.Member)
	if err != nil {
		return bot.Reply{}, err
	}
	var active, proposed []knowledge.Pairing
	for _, p := range o.Pairings {
		if p.State == knowledge.PairingActive {
			active = append(active, p)
		} else {
			proposed = append(proposed, p)
		}
	}
	t := bot.Plain("Mentoring in this community:")
	t = t.Line("*Active pairings* (%d)", len(active))
	for _, p := range active {
		t = t.Line("  • %d — %s mentoring %s on %s, for %s", p.Number, bot.Untrusted(p.Mentor.Name()),
			bot.Untrusted(p.Mentee.Name()), bot.Untrusted(hashTags(p.Topics)), age(o.AsOf.Sub(*p.AcceptedAt)))
	}
	t = t.Line("*Unanswered introductions* (%d)", len(proposed))
	for _, p := range proposed {
		t = t.Line("  • %d — %s introduced to %s on %s %s ago", p.Number, bot.Untrusted(p.Mentee.Name()),
			bot.Untrusted(p.Mentor.Name()), bot.Untrusted(hashTags(p.Topics)), age(o.AsOf.Sub(p.CreatedAt)))
	}
	t = t.Line("*Waitlist* (%d)", len(o.Waitlist))
	for _, w := range o.Waitlist {
		t = t.Line("  %d. %s — %s, waiting %s", w.Position, bot.Untrusted(w.Mentee.Name()), bot.Untrusted(hashTags(w.Topics)),
			age(o.AsOf.Sub(w.Since)))
	}
	t = t.Line("*Mentors at capacity* (%d)", len(o.Full))
	for _, m := range o.Full {
		t = t.Line("  • %s — %d of %d", bot.Untrusted(m.Member.Name()), m.Load, m.Capacity)
	}
	if len(o.Waitlist) > 0 {
		t = t.Line("Pair someone by hand with `/cop mentor pair @mentor @mentee`.")
	}
	return bot.Reply{Text: t}, nil
}

// age says how long something has been, in words.
func age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return "less than an hour"
	case d < 48*time.Hour:
		h := int(d / time.Hour)
		return fmt.Sprintf("%d %s", h, plural(h, "hour", "hours"))
	}
	days := int(d / (24 * time.Hour))
	return fmt.Sprintf("%d days", days)
}
