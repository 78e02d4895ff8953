package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// objectiveUsage is the grammar of /cop objective, for help and for the
// answers to mistakes.
var objectiveUsage = []string{
	`objective add "<title>" target N [unit U] due YYYY-MM-DD [#tag] [owner @user] [cadence weekly|biweekly|monthly]`,
	"objective list [all]",
	"objective show <objective>",
	`objective edit <objective> [title "…"] [target N] [unit U] [due YYYY-MM-DD] [#tag|tag none] [owner @user] [cadence C]`,
	"objective close <objective> [achieved|dropped] [confirm]",
	"objective reopen <objective>",
	"objective pause <objective> until YYYY-MM-DD",
	"objective resume <objective>",
}

func (c *Core) objectiveCommand() family {
	return family{
		Name:    "objective",
		Summary: "the community's goals and their progress (facilitators set them)",
		Usage:   objectiveUsage,
		Examples: []string{
			`objective add "Share five new teaching strategies" target 5 unit strategies due {+7m} #teaching`,
			`objective add "Review each other's code" target 20 unit "peer reviews" due {+7m} owner @ada`,
			"objective show 1",
			"objective pause 1 until {+14d}",
		},
		Notes: "Facilitators add, edit, close and reopen objectives; the owner (or anyone, see `/cop config checkin-by`) " +
			"posts progress with `/cop checkin`. With a #tag, every tip saved with that tag counts +1, and stops counting if the tip is removed.\n" +
			"The status comes from a *linear* projection: the pace so far (progress ÷ time since the objective started, " +
			"counting at least a week) carried on to the due date — *on track* if it reaches the target, *at risk* if it " +
			"reaches three quarters of it, *behind* otherwise.\n" +
			"When a whole period of the cadence passes without a check-in, copbot reminds the owner in the channel where the " +
			"objective was added (or by direct message), and flags an objective once when it passes its due date. " +
			"`pause` stops reminders until a day, for holidays. Dates are in the community's time zone (`/cop config timezone`).",
		Handler: subcommands{
			"":       c.objectiveList,
			"list":   c.objectiveList,
			"add":    forFacilitators(c.objectiveAdd),
			"show":   c.objectiveShow,
			"edit":   forFacilitators(c.objectiveEdit),
			"close":  forFacilitators(c.objectiveClose),
			"reopen": forFacilitators(c.objectiveReopen),
			"pause":  c.objectivePause,
			"resume": c.objectivePause,
		},
	}
}

func (c *Core) objectiveAdd(ctx context.Context, req *request) (bot.Reply, error) {
	spec, problems, err := c.parseObjectiveSpec(ctx, req, true)
	if err != nil {
		return bot.Reply{}, err
	}
	if spec.title == nil {
		problems = append([]string{`Give it a title in quotes, like "Share five teaching strategies".`}, problems...)
	}
	if spec.target == nil && !mentions(problems, "The target") {
		problems = append(problems, "Add a target: `target 5`.")
	}
	if spec.due == nil && !mentions(problems, "The due date") {
		problems = append(problems, c.dated("Add a due date: `due {+7m}`."))
	}
	if len(problems) > 0 {
		return bot.Reply{}, objectiveProblems("add", problems)
	}
	n := knowledge.NewObjective{Title: *spec.title, Target: *spec.target, Due: *spec.due, Owner: spec.owner}
	if spec.unit != nil {
		n.Unit = *spec.unit
	}
	if spec.cadence != nil {
		n.Cadence = *spec.cadence
	}
	if spec.tag != nil {
		n.Tag = *spec.tag
	}
	if !req.Event.Channel.Private {
		n.ChannelID = req.Event.Channel.ID
	}
	o, err := c.store.AddObjective(ctx, req.Member, n)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Added %s: %s %s by %s, owner %s, %s check-ins.", objectiveName(o),
		knowledge.FormatAmount(o.Target), bot.Untrusted(unitOf(o.Unit, o.Target)), o.Due.Format(knowledge.DateLayout),
		bot.Untrusted(o.OwnerName), o.Cadence)
	if o.Tag != "" {
		t = t.Line("Tips saved with %s count +1 each.", bot.Untrusted("#"+o.Tag))
	}
	t = t.Line("Check in with `/cop checkin %d +1` or `/cop checkin %d <value>`.", o.Number, o.Number)
	return bot.Reply{Text: t, Visibility: bot.InChannel}, nil
}

func (c *Core) objectiveEdit(ctx context.Context, req *request) (bot.Reply, error) {
	number, err := objectiveNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	spec, problems, err := c.parseObjectiveSpec(ctx, req, false)
	if err != nil {
		return bot.Reply{}, err
	}
	e := knowledge.ObjectiveEdit{Title: spec.title, Target: spec.target, Unit: spec.unit, Due: spec.due,
		Tag: spec.tag, Owner: spec.owner, Cadence: spec.cadence}
	if len(problems) == 0 && e == (knowledge.ObjectiveEdit{}) {
		problems = append(problems, c.dated("Say what to change, like `due {+9m}` or `target 8`."))
	}
	if len(problems) > 0 {
		return bot.Reply{}, objectiveProblems("edit", problems)
	}
	o, err := c.store.EditObjective(ctx, req.Member, number, e)
	if err != nil {
		return bot.Reply{}, objectiveNotFound(err, number)
	}
	p, err := c.store.Progress(ctx, o)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Updated %s: %s %s by %s, owner %s, %s check-ins", objectiveName(o), knowledge.FormatAmount(o.Target),
		bot.Untrusted(unitOf(o.Unit, o.Target)), o.Due.Format(knowledge.DateLayout), bot.Untrusted(o.OwnerName), o.Cadence)
	if o.Tag != "" {
		t = t.Append(bot.Textf(", counting tips tagged %s", bot.Untrusted("#"+o.Tag)))
	}
	t = t.Append(bot.Plain(".\n"), progressLine(p))
	return bot.Reply{Text: t, Visibility: bot.InChannel}, nil
}

func (c *Core) objectiveList(ctx context.Context, req *request) (bot.Reply, error) {
	all := false
	if w, ok := req.Args.ShiftWord(); ok {
		if w != "all" {
			return bot.Reply{}, usageTextf("", "“%s”? Use `/cop objective list` or `/cop objective list all`.", bot.Untrusted(w))
		}
		all = true
	}
	ps, err := c.store.ObjectivesProgress(ctx, req.Community.ID, all)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(ps) == 0 {
		msg := "No open objectives."
		if !all {
			msg += " `/cop objective list all` shows closed ones too."
		}
		if req.Member.IsFacilitator {
			msg += c.dated(" Add one with `/cop objective add \"<title>\" target 5 due {+7m}`.")
		}
		return bot.Reply{Text: bot.Plain(msg)}, nil
	}
	t := bot.Plain("Objectives:")
	if all {
		t = bot.Plain("Objectives, closed ones included:")
	}
	for _, p := range ps {
		o := p.Objective
		t = t.Append(bot.Textf("\n*%d* “%s” — ", o.Number, bot.Untrusted(o.Title)), progressLine(p),
			bot.Textf(" · due %s · %s", o.Due.Format(knowledge.DateLayout), bot.Untrusted(o.OwnerName)))
	}
	return bot.Reply{Text: t.Line("Details: `/cop objective show <number>`.")}, nil
}

func (c *Core) objectiveShow(ctx context.Context, req *request) (bot.Reply, error) {
	number, err := objectiveNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	o, err := c.store.Objective(ctx, req.Community.ID, number)
	if err != nil {
		return bot.Reply{}, objectiveNotFound(err, number)
	}
	p, err := c.store.Progress(ctx, o)
	if err != nil {
		return bot.Reply{}, err
	}
	r := bot.Reply{Text: objectiveDetails(p)}
	chart, err := burnUpChart(p)
	if err != nil {
		// The text stands without the chart.
		c.log.WarnContext(ctx, "chart not drawn", commandAttrs(req, err)...)
	} else {
		r.Files = []bot.File{chart}
	}
	return r, nil
}

func (c *Core) objectiveClose(ctx context.Context, req *request) (bot.Reply, error) {
	number, err := objectiveNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	outcome, ok := req.Args.ShiftWord()
	if !ok && req.Args.Len() == 0 {
		// `close <objective>` alone: achieved if the target is reached.
		if outcome, err = c.reachedOutcome(ctx, req, number); err != nil {
			return bot.Reply{}, err
		}
	}
	confirmed := false
	if w, ok := req.Args.Peek(); ok && w.Kind == wordToken && strings.EqualFold(w.Text, "confirm") {
		req.Args.Shift()
		confirmed = true
	}
	if (outcome != knowledge.ObjectiveAchieved && outcome != knowledge.ObjectiveDropped) || req.Args.Len() > 0 {
		return bot.Reply{}, usagef("", fmt.Sprintf("Say how it ended: `/cop objective close %d achieved` or `/cop objective close %d dropped`.", number, number))
	}
	o, err := c.store.CloseObjective(ctx, req.Member, number, outcome, confirmed)
	var below *knowledge.BelowTargetError
	if errors.As(err, &below) {
		cmd := fmt.Sprintf("objective close %d achieved confirm", number)
		return bot.Reply{Text: bot.Textf("Objective %d stands at %s of %s, below its target. To close it as achieved all the same: `/cop %s`; "+
			"to stop working on it: `/cop objective close %d dropped`.", number, knowledge.FormatAmount(below.Value),
			knowledge.FormatAmount(below.Target), cmd, number),
			Buttons: []bot.Button{{Label: "Close as achieved", Command: cmd, Style: "primary"}}}, nil
	}
	if err != nil {
		return bot.Reply{}, objectiveNotFound(err, number)
	}
	p, err := c.store.Progress(ctx, o)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Closed %s as %s at %s of %s %s.", objectiveName(o), o.State, knowledge.FormatAmount(p.Value),
		knowledge.FormatAmount(o.Target), bot.Untrusted(unitOf(o.Unit, o.Target)))
	if o.State == knowledge.ObjectiveAchieved {
		t = t.Append(bot.Plain(" Well done, everyone!"))
	}
	return bot.Reply{Text: t, Visibility: bot.InChannel}, nil
}

// reachedOutcome is "achieved" for an objective at its target and "" for
// one that is not, whose closing needs a word.
func (c *Core) reachedOutcome(ctx context.Context, req *request, number int) (string, error) {
	o, err := c.store.Objective(ctx, req.Community.ID, number)
	if err != nil {
		return "", objectiveNotFound(err, number)
	}
	p, err := c.store.Progress(ctx, o)
	if err != nil || p.Value < o.Target {
		return "", err
	}
	return knowledge.ObjectiveAchieved, nil
}

func (c *Core) objectiveReopen(ctx context.Context, req *request) (bot.Reply, error) {
	number, err := objectiveNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	o, err := c.store.ReopenObjective(ctx, req.Member, number)
	if err != nil {
		return bot.Reply{}, objectiveNotFound(err, number)
	}
	p, err := c.store.Progress(ctx, o)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Reopened %s: ", objectiveName(o)).Append(progressLine(p))
	return bot.Reply{Text: t.Append(outlookLines(p)), Visibility: bot.InChannel}, nil
}

// objectivePause serves `pause <objective> until YYYY-MM-DD` and `resume <objective>`.
func (c *Core) objectivePause(ctx context.Context, req *request) (bot.Reply, error) {
	resume := strings.HasSuffix(req.Path, "resume")
	number, err := objectiveNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	var until *time.Time
	if !resume {
		v, found, has := req.Args.Option("until")
		if !found || !has || req.Args.Len() > 0 {
			return bot.Reply{}, usagef("", fmt.Sprintf("Say until when: `/cop objective pause %d until {+14d}`.", number))
		}
		d, err := knowledge.ParseDate(v.Text)
		if err != nil {
			return bot.Reply{}, err
		}
		until = &d
	}
	o, err := c.store.PauseReminders(ctx, req.Member, number, until)
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Textf("Only the owner of objective %d and facilitators can pause its reminders.", number)}, nil
	}
	if err != nil {
		return bot.Reply{}, objectiveNotFound(err, number)
	}
	if resume {
		return bot.Reply{Text: bot.Textf("Reminders for %s are on again.", objectiveName(o)), Visibility: bot.InChannel}, nil
	}
	return bot.Reply{Text: bot.Textf("No reminders for %s until the end of %s.", objectiveName(o), until.Format(knowledge.DateLayout)),
		Visibility: bot.InChannel}, nil
}
