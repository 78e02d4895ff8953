package commands

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// mentorEnd serves `mentor end [pairing] [confirm] [feedback] [rating N]`.
// A bare end asks to confirm, with a button that runs the confirming
// command; `confirm`, feedback or a rating end the pairing at once. On a
// pairing that has ended, feedback and a rating are the member's feedback,
// taken for knowledge.FeedbackDays after the end.
func (c *Core) mentorEnd(ctx context.Context, req *request) (bot.Reply, error) {
	var which *int
	if t, ok := req.Args.Peek(); ok && (t.Kind == wordToken || t.Kind == tagToken) {
		if digits := strings.TrimPrefix(t.Text, "#"); digits != "" && strings.Trim(digits, "0123456789") == "" {
			req.Args.Shift()
			n, ok := itemNumber(t.Text)
			if !ok {
				return bot.Reply{}, &knowledge.InvalidError{Msg: fmt.Sprintf("`%s` is not a pairing number.", t.Text)}
			}
			which = &n
		}
	}
	confirm := leadingWord(req, "confirm")
	var rating *int
	v, found, err := option(req, "rating", "the rating as a number", "rating 4")
	if err != nil {
		return bot.Reply{}, err
	}
	if found {
		n, err := knowledge.ParseWhole(strings.TrimSuffix(v.Text, "/5"), 1, 5, "a rating", 4)
		if err != nil {
			return bot.Reply{}, err
		}
		rating = &n
	}
	if req.Args.Len() > 1 {
		leadingWord(req, "feedback") // `end 3 feedback Great help`: the word only announces it
	}
	feedback := req.Args.Rest()
	if !confirm && feedback == "" && rating == nil {
		p, err := c.store.PairingToEnd(ctx, req.Member, which)
		if err != nil {
			return bot.Reply{}, err
		}
		if p != nil {
			return confirmEnd(req.Member, *p), nil
		}
		// No open pairing: an end withdraws the member's waiting request.
	}
	res, err := c.store.EndPairing(ctx, req.Member, which, feedback, rating)
	if err != nil {
		return bot.Reply{}, err
	}
	if res.Withdrawn {
		return bot.Reply{Text: bot.Plain("Your request is withdrawn; you're off the waitlist. `/cop mentor request <topics>` to ask again.")}, nil
	}
	return bot.Reply{Text: freedSlot(ended(req.Member, res, c.store.Now()), res.Paired)}, nil
}

// leadingWord consumes the next token when it is the word w.
func leadingWord(req *request, w string) bool {
	t, ok := req.Args.Peek()
	if ok && t.Kind == wordToken && t.Key == "" && strings.EqualFold(t.Text, w) {
		req.Args.Shift()
		return true
	}
	return false
}

// confirmEnd asks the member to confirm ending a pairing: a pairing ended
// is over for good, and so is the mentee's place with this mentor.
func confirmEnd(by knowledge.Member, p knowledge.Pairing) bot.Reply {
	t := bot.Textf("End pairing %d with %s?", p.Number, bot.Untrusted(other(by, p).Name()))
	if knowledge.SideOf(by, p) == knowledge.SideFacilitator {
		t = bot.Textf("End pairing %d (%s mentoring %s)?", p.Number, bot.Untrusted(p.Mentor.Name()), bot.Untrusted(p.Mentee.Name()))
	}
	t = t.Append(bot.Textf(" Confirm with the button or `/cop mentor end %d confirm`.", p.Number))
	t = t.Line("To say how it went, add feedback and a rating: `/cop mentor end %d confirm <feedback> rating 1-5`; "+
		"you can also give them for %d days after the end.", p.Number, knowledge.FeedbackDays)
	return bot.Reply{Text: t, Buttons: []bot.Button{{
		Label: fmt.Sprintf("End pairing %d", p.Number), Command: fmt.Sprintf("mentor end %d confirm", p.Number), Style: "danger"}}}
}

// ended answers an end: the pairing ended, or the member's feedback on one
// that had ended was recorded.
func ended(by knowledge.Member, res knowledge.PairingChange, now time.Time) bot.Text {
	p, f := res.Pairing, res.Feedback
	days := knowledge.DaysLeft(res.FeedbackUntil, now)
	window := bot.Textf("%d more %s", days, plural(days, "day", "days"))
	if res.AlreadyEnded {
		t := bot.Textf("Thank you! Your feedback on pairing %d is recorded: %s.", p.Number, feedbackText(*f))
		if res.Replaced {
			t = bot.Textf("Thank you! Your feedback on pairing %d now reads: %s. It replaces what you gave before.",
				p.Number, feedbackText(*f))
		}
		return t.Line("%s You can change it for %s with `/cop mentor end %d <feedback> rating 1-5`.",
			readers(f.Side), window, p.Number)
	}
	t := bot.Textf("Pairing %d with %s has ended.", p.Number, bot.Untrusted(other(by, p).Name()))
	if knowledge.SideOf(by, p) == knowledge.SideFacilitator {
		t = bot.Textf("Pairing %d (%s mentoring %s) has ended.", p.Number, bot.Untrusted(p.Mentor.Name()), bot.Untrusted(p.Mentee.Name()))
	}
	if f != nil {
		t = t.Append(bot.Textf(" Thank you for the feedback! %s You can change it for %s with `/cop mentor end %d <feedback> rating 1-5`.",
			readers(f.Side), window, p.Number))
		return t
	}
	t = t.Append(bot.Plain(" Thank you!"))
	if knowledge.SideOf(by, p) == knowledge.SideFacilitator {
		return t
	}
	return t.Line("How did it go? Give your feedback and a rating for %s: `/cop mentor end %d <feedback> rating 1-5`. %s",
		window, p.Number, readers(knowledge.SideOf(by, p)))
}

// readers says who reads feedback from a side.
func readers(side string) bot.Text {
	switch side {
	case knowledge.SideMentee:
		return bot.Plain("Your mentor and the facilitators read it; nobody else does.")
	case knowledge.SideMentor:
		return bot.Plain("The facilitators read it; nobody else does.")
	}
	return bot.Plain("The facilitators read it.")
}

// other is the member's partner in a pairing (its mentor, for someone
// outside it).
func other(by knowledge.Member, p knowledge.Pairing) knowledge.MemberRef {
	if p.Mentor.ID == by.ID {
		return p.Mentee
	}
	return p.Mentor
}

// feedbackText writes one person's feedback: `rating 4 — “text”`.
func feedbackText(f knowledge.PairingFeedback) bot.Text {
	var t bot.Text
	if f.Rating != nil {
		t = bot.Textf("rating %d", *f.Rating)
	}
	if f.Text != "" {
		if len(t) > 0 {
			t = t.Append(bot.Plain(" — "))
		}
		t = t.Append(bot.Textf("“%s”", bot.Untrusted(f.Text)))
	}
	return t
}

// mentorFeedback serves `mentor feedback`: for facilitators, the feedback
// on the pairings that ended recently, every side's, and each mentor's
// average rating from their mentees over the last year.
func (c *Core) mentorFeedback(ctx context.Context, req *request) (bot.Reply, error) {
	if req.Args.Len() > 0 {
		return bot.Reply{}, mentorUsage("`/cop mentor feedback` takes nothing: it lists the feedback, for facilitators. " +
			"To give yours on a pairing, use `/cop mentor end <pairing> <feedback> rating 1-5`.")
	}
	r, err := c.store.MentoringFeedback(ctx, req.Member)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("*Mentoring feedback* — pairings ended in the last %d days (%d), newest first",
		knowledge.RecentFeedbackDays, r.EndedTotal)
	if len(r.Ended) == 0 {
		t = t.Line("  None yet.")
	}
	for _, e := range r.Ended {
		p := e.Pairing
		t = t.Line("  • %d — %s mentoring %s, ended %s ago", p.Number, bot.Untrusted(p.Mentor.Name()),
			bot.Untrusted(p.Mentee.Name()), age(r.AsOf.Sub(*p.ClosedAt)))
		for _, side := range []struct {
			name string
			who  knowledge.MemberRef
		}{{knowledge.SideMentee, p.Mentee}, {knowledge.SideMentor, p.Mentor}} {
			t = t.Line("      %s (%s): ", bot.Untrusted(side.who.Name()), side.name)
			switch f := e.By(side.who.ID); {
			case f != nil:
				t = t.Append(feedbackText(*f))
			case e.Open(r.AsOf):
				n := knowledge.DaysLeft(e.Until, r.AsOf)
				t = t.Append(bot.Textf("no feedback yet (taken for %d more %s)", n, plural(n, "day", "days")))
			default:
				t = t.Append(bot.Plain("no feedback"))
			}
		}
		for _, f := range e.Given {
			if f.Side == knowledge.SideFacilitator {
				t = t.Line("      %s (facilitator): %s", bot.Untrusted(f.Member.Name()), feedbackText(f))
			}
		}
	}
	if more := r.EndedTotal - len(r.Ended); more > 0 {
		t = t.Line("  … and %d more.", more)
	}
	t = t.Line("*Average rating from mentees* — pairings ended in the last year")
	if len(r.Mentors) == 0 {
		t = t.Line("  None yet.")
	}
	for _, m := range r.Mentors {
		t = t.Line("  • %s — %s", bot.Untrusted(m.Mentor.Name()), ratingSummary(m))
	}
	return bot.Reply{Text: t}, nil
}

// ratingSummary writes a mentor's rating: "4.5 (2 of 3 ended pairings rated)".
func ratingSummary(m knowledge.MentorRating) string {
	if m.Rated == 0 {
		return fmt.Sprintf("none rated yet (%d ended %s)", m.Ended, plural(m.Ended, "pairing", "pairings"))
	}
	return fmt.Sprintf("%s (%d of %d ended %s rated)", knowledge.FormatAmount(math.Round(m.Average*10)/10),
		m.Rated, m.Ended, plural(m.Ended, "pairing", "pairings"))
}

// endedLines are a member's status lines about their pairings that ended:
// their feedback, or how to give it while it is taken, and as a mentor
// what their mentees said.
func endedLines(t bot.Text, by knowledge.Member, st knowledge.MentoringStatus) bot.Text {
	for _, e := range st.Ended {
		p := e.Pairing
		t = t.Line("Pairing %d with %s ended %s ago.", p.Number, bot.Untrusted(other(by, p).Name()), age(st.AsOf.Sub(*p.ClosedAt)))
		n := knowledge.DaysLeft(e.Until, st.AsOf)
		switch mine := e.By(by.ID); {
		case mine == nil && e.Open(st.AsOf):
			t = t.Append(bot.Textf(" How did it go? Give your feedback and a rating for %d more %s: `/cop mentor end %d <feedback> rating 1-5`.",
				n, plural(n, "day", "days"), p.Number))
		case mine != nil && e.Open(st.AsOf):
			t = t.Append(bot.Textf(" Your feedback: %s; you can change it for %d more %s.", feedbackText(*mine), n, plural(n, "day", "days")))
		case mine != nil:
			t = t.Append(bot.Textf(" Your feedback: %s.", feedbackText(*mine)))
		}
		if p.Mentor.ID != by.ID {
			continue
		}
		for _, f := range e.Given {
			if f.Side == knowledge.SideMentee {
				t = t.Line("    %s's feedback: %s", bot.Untrusted(f.Member.Name()), feedbackText(f))
			}
		}
	}
	if r := st.Rating; r != nil {
		t = t.Line("Your mentees' ratings over the last year: %s.", ratingSummary(*r))
	}
	return t
}
