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

func (c *Core) statsCommand() family {
	return family{
		Name:     "stats",
		Summary:  "the community's pulse, each figure against the period before (facilitators)",
		Usage:    []string{"stats [7d|30d|90d] [all]"},
		Examples: []string{"stats", "stats 7d", "stats quarter all"},
		Notes: "Each figure is shown with its change against the period before (30 days by default; `week`, `month` " +
			"and `quarter` work too). Member counts leave out bots and facilitators; `all` counts facilitators. " +
			"Engagement levels come from what copbot records (saves, votes on your tips, mentoring, check-ins), " +
			fmt.Sprintf("fading by half every %d days: newcomer, participant (%g points), contributor (%g), core (%g).",
				knowledge.HalfLifeDays, knowledge.LevelThresholds[knowledge.LevelParticipant],
				knowledge.LevelThresholds[knowledge.LevelContributor], knowledge.LevelThresholds[knowledge.LevelCore]),
		Handler: forFacilitators(c.stats),
	}
}

func (c *Core) stats(ctx context.Context, req *request) (bot.Reply, error) {
	opts := &knowledge.StatsOptions{}
	period, periodSet := knowledge.PeriodMonth, false
	for req.Args.Len() > 0 {
		t, _ := req.Args.Shift()
		switch w := strings.ToLower(t.Text); {
		case t.Kind == wordToken && (w == "all" || w == "everyone"):
			opts.WithFacilitators = true
		case (t.Kind == wordToken || t.Kind == quotedToken) && !periodSet:
			p, err := knowledge.ParsePeriod(w)
			if err != nil {
				return bot.Reply{}, err
			}
			period, periodSet = p, true
		default:
			return bot.Reply{}, usageTextf("stats", "I don't understand “%s” here.", bot.Untrusted(t.Text))
		}
	}
	st, err := c.store.Stats(ctx, req.Member, period, opts)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: renderStats(st)}, nil
}

// renderStats writes the pulse in sections, each figure with its change.
func renderStats(st knowledge.Stats) bot.Text {
	p := st.Period
	t := bot.Textf("*Community pulse* — the last %d days, against the %d days before", p.Days, p.Days)
	if st.WithFacilitators {
		t = t.Line("Member counts leave out bots.")
	} else {
		t = t.Line("Member counts leave out bots and facilitators (`/cop stats %s all` counts facilitators).", p)
	}

	t = t.Line("*Activity*").Append(keptNote(st))
	t = t.Line("  Active members: %s · tips saved: %s · searches: %s",
		figure(st.ActiveMembers), figure(st.TipsSaved), figure(st.Searches))
	if !st.WithFacilitators && st.ActiveLeftOut > 0 && st.ActiveLeftOut >= st.ActiveMembers.Now {
		t = t.Line("  (%d more active if you count facilitators: `/cop stats %s all`)", st.ActiveLeftOut, st.Period)
	}
	t = t.Append(contributorsLine("Most tips saved", st.TopSavers))
	t = t.Append(contributorsLine("Most votes received", st.TopReceivers))

	m := st.Mentoring
	t = t.Line("*Mentoring*")
	t = t.Line("  Active pairings: %s · waiting for a mentor: %s · new introductions: %s",
		figure(m.ActivePairings), figure(m.Waitlist), figure(m.NewPairings))
	t = t.Line("  Median time from request to introduction: %s", medianText(m.RequestToPairing))
	t = t.Line("  Pairings ended: %s%s", figure(m.EndedPairings), ratingText(m))

	t = t.Line("*Objectives*")
	var parts []string
	for _, s := range knowledge.OpenStatuses() {
		if c, ok := st.Objectives.Open[s]; ok {
			name := string(s)
			if s == knowledge.StatusAchieved {
				name = "reached, still open"
			}
			parts = append(parts, name+" "+figure(c))
		}
	}
	if a, d := st.Objectives.Achieved, st.Objectives.Dropped; a.Now+a.Before+d.Now+d.Before > 0 {
		parts = append(parts, "achieved "+figure(a), "dropped "+figure(d))
	}
	if len(parts) == 0 {
		t = t.Line("  None yet: `/cop objective add` sets one.")
	} else {
		t = t.Line("  %s", strings.Join(parts, " · "))
	}

	t = t.Append(levelLines(st))

	j := st.Journey
	t = t.Line("*Newcomers* (joined in the period: %s)", figure(j.Joined)).Append(keptNote(st))
	if j.Joined.Now+j.Joined.Before > 0 {
		for _, s := range []struct {
			name string
			step knowledge.Step
		}{{"First save", j.FirstSave}, {"Got a mentor", j.Mentor}, {"First tip of theirs saved", j.FirstTip}} {
			t = t.Line("  %s: %d of %d", s.name, s.step.Reached.Now, j.Joined.Now)
			if m := s.step.Median.Now; m != nil {
				t = t.Append(bot.Textf(", after %s (median)", roughly(*m)))
			}
			if j.Joined.Before > 0 {
				t = t.Append(bot.Textf(" · before: %d of %d", s.step.Reached.Before, j.Joined.Before))
				if m := s.step.Median.Before; m != nil {
					t = t.Append(bot.Textf(", after %s", roughly(*m)))
				}
			}
		}
	}

	t = t.Line("*Stories*: %s", figure(st.Stories))
	if s := st.LatestStory; s != nil {
		t = t.Append(bot.Textf(" — latest: “%s” — %s", bot.Untrusted(s.Text), bot.Untrusted(s.Member.Name())))
	}
	t = t.Append(bot.Plain(" (`/cop stories` lists them)"))
	return t
}

// keptNote says when the period-wide figures were computed, when they
// were kept from the engagement refresh rather than counted just now.
func keptNote(st knowledge.Stats) bot.Text {
	if st.FiguresAsOf.IsZero() || st.AsOf.Sub(st.FiguresAsOf) < time.Minute {
		return nil
	}
	return bot.Textf(" — as of %s (a quarter is counted hourly)", st.FiguresAsOf.UTC().Format("15:04 UTC"))
}

func contributorsLine(title string, cs []knowledge.Contributor) bot.Text {
	if len(cs) == 0 {
		return nil
	}
	t := bot.Textf("\n  %s: ", title)
	for i, c := range cs {
		if i > 0 {
			t = t.Append(bot.Plain(", "))
		}
		t = t.Append(bot.Textf("%s %s", bot.Untrusted(c.Member.Name()), figure(c.Count)))
	}
	return t
}

func levelLines(st knowledge.Stats) bot.Text {
	l := st.Levels
	t := bot.Textf("\n*Engagement* (levels fade by half every %d days", knowledge.HalfLifeDays)
	if !l.Known {
		return t.Append(bot.Plain(")\n  Being computed; ask again in a few minutes."))
	}
	if l.AsOf.Sub(st.AsOf).Abs() >= time.Minute {
		t = t.Append(bot.Textf("; as of %s", l.AsOf.UTC().Format("15:04 UTC")))
	}
	t = t.Append(bot.Plain(")"))
	var parts []string
	levels := knowledge.Levels()
	for i := len(levels) - 1; i >= 0; i-- {
		parts = append(parts, levels[i].String()+" "+figure(l.Counts[levels[i]]))
	}
	t = t.Line("  %s", strings.Join(parts, " · "))
	if len(l.MovedUp) == 0 {
		return t.Line("  Nobody moved up in the period.")
	}
	t = t.Line("  Moved up: ")
	for i, mv := range l.MovedUp {
		if i > 0 {
			t = t.Append(bot.Plain(", "))
		}
		t = t.Append(bot.Textf("%s (%s → %s)", bot.Untrusted(mv.Member.Name()), mv.From, mv.To))
	}
	if more := l.MovedUpTotal - len(l.MovedUp); more > 0 {
		t = t.Append(bot.Textf(" and %d more", more))
	}
	return t
}

// figure writes a figure with its change: "12 (+3)", "4 (−1)", "7 (=)".
func figure(c knowledge.Count) string {
	switch d := c.Now - c.Before; {
	case d > 0:
		return fmt.Sprintf("%d (+%d)", c.Now, d)
	case d < 0:
		return fmt.Sprintf("%d (−%d)", c.Now, -d)
	}
	return fmt.Sprintf("%d (=)", c.Now)
}

// ratingText writes the average rating of the pairings ended in the
// period, each pairing's the mean of what its mentor and mentee gave:
// ", average rating 4.3 (2 pairings rated by their pair; before: 4.5)".
func ratingText(m knowledge.MentoringStats) string {
	one := func(v float64) string { return knowledge.FormatAmount(math.Round(v*10) / 10) }
	switch {
	case m.EndedPairings.Now == 0:
		return ""
	case m.Rating.Now == nil:
		return ", none rated yet"
	}
	s := fmt.Sprintf(", average rating %s (%d %s rated by their pair", one(*m.Rating.Now), m.Rated.Now,
		plural(m.Rated.Now, "pairing", "pairings"))
	if b := m.Rating.Before; b != nil {
		s += "; before: " + one(*b)
	}
	return s + ")"
}

// medianText writes a median with the one before: "3 hours (before: 2 days)".
func medianText(m knowledge.Median) string {
	switch {
	case m.Now == nil && m.Before == nil:
		return "nothing to measure yet"
	case m.Now == nil:
		return "none in the period (before: " + roughly(*m.Before) + ")"
	case m.Before == nil:
		return roughly(*m.Now)
	}
	return roughly(*m.Now) + " (before: " + roughly(*m.Before) + ")"
}

// roughly writes a duration the way people say it.
func roughly(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		n := int(d / time.Minute)
		return fmt.Sprintf("%d %s", n, plural(n, "minute", "minutes"))
	case d < 48*time.Hour:
		n := int(math.Round(d.Hours()))
		return fmt.Sprintf("%d %s", n, plural(n, "hour", "hours"))
	}
	return fmt.Sprintf("%s days", knowledge.FormatAmount(math.Round(d.Hours()/24*10)/10))
}
