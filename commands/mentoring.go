package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) mentorCommand() family {
	return family{
		Name:    "mentor",
		Summary: "find a mentor, or offer to be one",
		Usage: []string{
			"mentor request <topics>",
			"mentor offer <topics> [capacity N]",
			"mentor pause [until YYYY-MM-DD]",
			"mentor resume",
			"mentor status",
			"mentor accept <pairing>",
			"mentor decline <pairing>",
			"mentor end [pairing] [confirm] [feedback] [rating 1-5]",
			"mentor list   (facilitators)",
			"mentor feedback   (facilitators)",
			"mentor pair @mentor @mentee [topics]   (facilitators)",
			"mentor invitation decline",
		},
		Examples: []string{
			"mentor request testing #ci",
			"mentor offer testing code-review capacity 3",
			"mentor pause",
			"mentor end 3 confirm",
			"mentor end 3 We split the test suite together rating 5",
		},
		Notes: "Newcomers ask for a mentor on some topics (words or #tags; \"Testing\", \"#testing\" and \"tests\" are the same " +
			"topic). copbot picks the mentor who offers the most of them, then the one whose saved tips show they know them, " +
			"then the one with the most room, and never someone you were paired with before (a facilitator can pair you again). " +
			"It introduces you both in a private conversation, where the mentor accepts or declines; with no mentor free you " +
			"wait in line and are introduced as soon as one is. Some days later copbot asks how it goes " +
			"(`/cop config mentor-followup-days`). " +
			"Either of you ends a pairing: `/cop mentor end 3` asks you to confirm, and `confirm`, feedback or a rating with it " +
			"end it at once; the mentor's slot goes to the next in line. Each of you gives your own feedback and a rating " +
			fmt.Sprintf("(1 to 5) when ending or for %d days after, again to change it (`/cop mentor end 3 <feedback> rating 4`). ", knowledge.FeedbackDays) +
			"Facilitators read it with `/cop mentor feedback`, and a mentor reads their mentees' in `/cop mentor status`; nobody else does.",
		EndsInText: true,
		Handler: subcommands{
			"":        c.mentorStatus,
			"status":  c.mentorStatus,
			"request": c.mentorRequest,
			"offer":   c.mentorOffer,
			"pause":   c.mentorPause,
			"resume":  c.mentorResume,
			"accept":  c.mentorAccept,
			"decline": c.mentorDecline,
			"end":     c.mentorEnd,
			"list":    c.mentorList,
			// feedback checks its right in the store: facilitators only.
			"feedback": c.mentorFeedback,
			"pair":     forFacilitators(c.mentorPair),
			// invitation answers copbot's invitation to mentor (pulse).
			"invitation": c.mentorInvitation,
		},
	}
}

// topics consumes the remaining arguments as topics: words, quoted words
// and #tags.
func topics(req *request) ([]string, error) {
	var out []string
	for {
		t, ok := req.Args.Shift()
		if !ok {
			break
		}
		switch t.Kind {
		case wordToken, tagToken:
			out = append(out, t.Text)
		case quotedToken:
			out = append(out, strings.Fields(t.Text)...)
		default:
			return nil, &knowledge.InvalidError{Msg: fmt.Sprintf("Topics are words or #tags; %s is not one.", t.Text)}
		}
	}
	if len(out) == 0 {
		return nil, mentorUsage(fmt.Sprintf("Name the topics, like `/cop %s testing #ci`.", req.Path))
	}
	return out, nil
}

// mentorUsage is a mistyped mentor command. The message shows the right
// form; the family's ten usage lines would bury it.
func mentorUsage(msg string) error {
	return &UsageError{Msg: msg + " `/cop help mentor` shows every form."}
}

// option consumes `name value`, which may be given once: a second `name`
// would otherwise be read as a topic or as feedback. what says what the
// value is and example shows the option with one.
func option(req *request, name, what, example string) (token, bool, error) {
	v, found, hasValue := req.Args.Option(name)
	switch {
	case !found:
		return token{}, false, nil
	case !hasValue:
		return token{}, true, mentorUsage(fmt.Sprintf("Give %s, like `%s`.", what, example))
	}
	for _, t := range req.Args.toks {
		if t.Kind == wordToken && t.Key == "" && strings.EqualFold(t.Text, name) {
			return token{}, true, mentorUsage(fmt.Sprintf("You gave `%s` twice; give it once, like `%s`.", name, example))
		}
	}
	return v, true, nil
}

// number consumes a positive whole number, or says what it is for.
func number(t token, what string) (int, error) {
	if t.Kind == wordToken || t.Kind == tagToken {
		if n, ok := itemNumber(t.Text); ok {
			return n, nil
		}
	}
	return 0, &knowledge.InvalidError{Msg: fmt.Sprintf("`%s` is not %s.", t.Text, what)}
}

// pairingNumber consumes the pairing number a command needs.
func pairingNumber(req *request) (int, error) {
	t, ok := req.Args.Shift()
	if !ok {
		return 0, mentorUsage(fmt.Sprintf("Which pairing? Give its number, like `/cop %s 3`; `/cop mentor status` shows yours.", req.Path))
	}
	return number(t, "a pairing number")
}

func (c *Core) mentorRequest(ctx context.Context, req *request) (bot.Reply, error) {
	ts, err := topics(req)
	if err != nil {
		return bot.Reply{}, err
	}
	res, err := c.store.RequestMentor(ctx, req.Member, ts, req.Event.Channel.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	if p := res.Pairing; p != nil {
		t := bot.Textf("You're matched with %s (pairing %d): %s.", bot.MentionOf(p.Mentor.PlatformUserID), p.Number, reason(*p, "mentee"))
		t = t.Line("I've introduced you both in a private conversation, where %s can accept. `/cop mentor status` shows your pairing.",
			bot.Untrusted(p.Mentor.Name()))
		return bot.Reply{Text: t}, nil
	}
	return bot.Reply{Text: waiting(res)}, nil
}

// waiting tells a member whose request waits where they stand and why: no
// one offers the topics, everyone who does was paired with them before (a
// facilitator can pair them again), or those who do have no free slot.
func waiting(res knowledge.RequestResult) bot.Text {
	topics := bot.Untrusted(hashTags(res.Topics))
	it := plural(len(res.Topics), "it", "any of them")
	before := res.PairedBefore
	var t bot.Text
	switch {
	case res.Updated:
		t = bot.Textf("Your request now covers %s; you keep your place on the waitlist, position %d.", topics, res.Position)
		if res.Offering == 0 {
			t = t.Line("Nobody offers to mentor on %s yet.", it)
		}
	case res.Offering == 0:
		t = bot.Textf("Nobody offers to mentor on %s yet, so you're on the waitlist at position %d.", topics, res.Position)
	case len(before) > 0:
		t = bot.Textf("No mentor is free for %s, so you're on the waitlist at position %d.", topics, res.Position)
	default:
		t = bot.Textf("No mentor is free for %s yet, so you're on the waitlist at position %d.", topics, res.Position)
	}
	if len(before) == 0 {
		t = t.Line("I'll introduce you as soon as a mentor who knows %s offers, resumes or has a free slot.", it)
	} else {
		t = t.Line("%s, the only %s who %s %s, %s paired with you before, and I never introduce two people twice. "+
			"To be paired again, ask a facilitator to pair you with `/cop mentor pair` (`/cop facilitator list` shows who they are); "+
			"or ask on other topics with `/cop mentor request <topics>`.", names(before),
			plural(len(before), "mentor", "mentors"), plural(len(before), "offers", "offer"), it,
			plural(len(before), "was", "were each"))
	}
	return t.Line("`/cop mentor status` shows your place; `/cop mentor end` withdraws the request.")
}

// names writes members' names as people list them: "ada", "ada and bob",
// "ada, bob and cy", each name as user text.
func names(ms []knowledge.MemberRef) bot.Text {
	var t bot.Text
	for i, m := range ms {
		switch {
		case i == 0:
		case i == len(ms)-1:
			t = t.Append(bot.Plain(" and "))
		default:
			t = t.Append(bot.Plain(", "))
		}
		t = t.Append(bot.Textf("%s", bot.Untrusted(m.Name())))
	}
	return t
}

func (c *Core) mentorOffer(ctx context.Context, req *request) (bot.Reply, error) {
	offer := knowledge.MentorOffer{}
	v, found, err := option(req, "capacity", "how many mentees at once", "capacity 2")
	if err != nil {
		return bot.Reply{}, err
	}
	if found {
		n, err := knowledge.ParseWhole(v.Text, 1, knowledge.MaxCapacity, "a capacity (how many mentees at once)", 2)
		if err != nil && v.Text == "0" {
			return bot.Reply{}, &knowledge.InvalidError{Msg: err.Error() + " To take no one for a while, use `/cop mentor pause`."}
		} else if err != nil {
			return bot.Reply{}, err
		}
		offer.Capacity = &n
	}
	ts, err := topics(req)
	if err != nil {
		return bot.Reply{}, err
	}
	offer.Topics = ts
	res, err := c.store.OfferMentoring(ctx, req.Member, offer)
	if err != nil {
		return bot.Reply{}, err
	}
	m := res.Mentor
	t := bot.Textf("Thanks for offering to mentor on %s, up to %d %s at once. I'll introduce you when someone asks.",
		bot.Untrusted(hashTags(m.Topics)), m.Capacity, plural(m.Capacity, "mentee", "mentees"))
	if !res.Created {
		t = bot.Textf("Your offer now covers %s, up to %d %s at once.",
			bot.Untrusted(hashTags(m.Topics)), m.Capacity, plural(m.Capacity, "mentee", "mentees"))
	}
	return bot.Reply{Text: mentorNotes(t, m, res.Paired)}, nil
}

// mentorNotes adds what a mentor should know after a change: a pause, a
// load over capacity, and the mentees the waitlist just brought.
func mentorNotes(t bot.Text, m knowledge.Mentor, paired []knowledge.Pairing) bot.Text {
	if m.Paused {
		t = t.Line("You're paused%s; `/cop mentor resume` when you're ready for mentees.", pausedUntil(m))
	}
	if m.Load > m.Capacity {
		t = t.Line("You have %d mentees now, more than that; no one new until a pairing ends.", m.Load)
	}
	for _, p := range paired {
		t = t.Line("From the waitlist: I've introduced you to %s (pairing %d, on %s).",
			bot.MentionOf(p.Mentee.PlatformUserID), p.Number, bot.Untrusted(hashTags(p.Topics)))
	}
	return t
}

func pausedUntil(m knowledge.Mentor) string {
	if m.PausedUntil == nil {
		return ""
	}
	return " until " + m.PausedUntil.UTC().Format(time.DateOnly)
}

// pauseExample is a date to pause until in examples: a month from today by
// the store's clock, so that no example is in the past or refused.
func (c *Core) pauseExample() string {
	return c.store.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
}

func (c *Core) mentorPause(ctx context.Context, req *request) (bot.Reply, error) {
	var until *time.Time
	example := "/cop mentor pause until " + c.pauseExample()
	v, found, err := option(req, "until", "the date", example)
	if err != nil {
		return bot.Reply{}, err
	}
	if found {
		// The one date parser and its messages: "2027-02-30 is not a day
		// on the calendar: February 2027 has 28 days."
		d, err := knowledge.ParseDate(v.Text)
		if err != nil {
			return bot.Reply{}, err
		}
		until = &d
	}
	if req.Args.Len() > 0 {
		return bot.Reply{}, mentorUsage(fmt.Sprintf("Pause takes only a date: `/cop mentor pause` or `%s`.", example))
	}
	m, err := c.store.PauseMentoring(ctx, req.Member, until)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Plain("Paused: no new mentees until you `/cop mentor resume`.")
	if until != nil {
		t = bot.Textf("Paused: no new mentees until %s, or until you `/cop mentor resume`.", until.Format(time.DateOnly))
	}
	if m.Load > 0 {
		t = t.Line("Your %d current %s %s on.", m.Load, plural(m.Load, "pairing", "pairings"), plural(m.Load, "goes", "go"))
	}
	return bot.Reply{Text: t}, nil
}

func (c *Core) mentorResume(ctx context.Context, req *request) (bot.Reply, error) {
	res, err := c.store.ResumeMentoring(ctx, req.Member)
	if err != nil {
		return bot.Reply{}, err
	}
	m := res.Mentor
	free := max(m.Capacity-m.Load, 0)
	t := bot.Textf("Welcome back: you're open for mentees again, %d of %d %s free.", free, m.Capacity, plural(m.Capacity, "slot", "slots"))
	if !res.WasPaused {
		t = bot.Textf("You weren't paused; you're open for mentees, %d of %d %s free.", free, m.Capacity, plural(m.Capacity, "slot", "slots"))
	}
	return bot.Reply{Text: mentorNotes(t, m, res.Paired)}, nil
}

func (c *Core) mentorAccept(ctx context.Context, req *request) (bot.Reply, error) {
	n, err := pairingNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	res, err := c.store.AcceptPairing(ctx, req.Member, n)
	if err != nil {
		return bot.Reply{}, err
	}
	p := res.Pairing
	return bot.Reply{Text: bot.Textf("You accepted pairing %d with %s. Suggest a time for a first chat; "+
		"`/cop mentor end %d` when you're done.", p.Number, bot.MentionOf(p.Mentee.PlatformUserID), p.Number)}, nil
}

func (c *Core) mentorDecline(ctx context.Context, req *request) (bot.Reply, error) {
	n, err := pairingNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	res, err := c.store.DeclinePairing(ctx, req.Member, n)
	if err != nil {
		return bot.Reply{}, err
	}
	mentee := bot.Untrusted(res.Pairing.Mentee.Name())
	t := bot.Textf("You declined pairing %d. ", n)
	if r := res.Rematched; r != nil {
		t = t.Append(bot.Textf("I've introduced %s to %s instead.", mentee, bot.Untrusted(r.Mentor.Name())))
	} else {
		t = t.Append(bot.Textf("%s is back on the waitlist at position %d, their old place.", mentee, res.Position))
	}
	return bot.Reply{Text: freedSlot(t, res.Paired)}, nil
}

// freedSlot tells who a freed slot went to.
func freedSlot(t bot.Text, paired []knowledge.Pairing) bot.Text {
	for _, p := range paired {
		t = t.Line("The free slot went to the waitlist: %s is introduced to %s (pairing %d).",
			bot.Untrusted(p.Mentee.Name()), bot.Untrusted(p.Mentor.Name()), p.Number)
	}
	return t
}

func (c *Core) mentorPair(ctx context.Context, req *request) (bot.Reply, error) {
	mentions := req.Args.Mentions()
	if len(mentions) != 2 {
		return bot.Reply{}, mentorUsage("Mention the mentor, then the mentee: `/cop mentor pair @ada @bob testing`.")
	}
	mentor, err := c.member(ctx, req, mentions[0])
	if err != nil {
		return bot.Reply{}, err
	}
	mentee, err := c.member(ctx, req, mentions[1])
	if err != nil {
		return bot.Reply{}, err
	}
	var ts []string
	if req.Args.Len() > 0 {
		if ts, err = topics(req); err != nil {
			return bot.Reply{}, err
		}
	}
	p, err := c.store.PairByHand(ctx, req.Member, mentor, mentee, ts, req.Event.Channel.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: bot.Textf("Paired %s with %s as their mentor (pairing %d, on %s). I've introduced them; %s can accept or decline.",
		bot.Untrusted(p.Mentee.Name()), bot.Untrusted(p.Mentor.Name()), p.Number, bot.Untrusted(hashTags(p.Topics)),
		bot.Untrusted(p.Mentor.Name()))}, nil
}

// reason says why a pairing was made, to view: "mentee" (your mentor has…),
// "mentor" (you have…), or "" (both, naming the mentor).
func reason(p knowledge.Pairing, view string) bot.Text {
	topics := bot.Untrusted(hashTags(p.Topics))
	t := bot.Textf("matched on %s", topics)
	if p.PairedBy != "" {
		t = bot.Textf("paired by %s, on %s", bot.Untrusted(p.PairedBy), topics)
	}
	if p.Expertise == 0 {
		return t
	}
	who := map[string]bot.Text{"mentee": bot.Plain("your mentor has"), "mentor": bot.Plain("you have")}[view]
	if who == nil {
		who = bot.Textf("%s has", bot.Untrusted(p.Mentor.Name()))
	}
	return t.Append(bot.Plain("; "), who, bot.Textf(" %d saved %s on %s", p.Expertise, plural(p.Expertise, "tip", "tips"),
		plural(len(p.Topics), "it", "them")))
}
