package commands_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/copbot/copbot/bot"
)

// tenantPlan is what one workspace's script holds besides its random
// commands and events: the commands its admin types first (linking,
// partnering, creating a named community), the communities its members
// name in /cop share, commands only it types, and the steps it ends with.
// A text may hold a value a reply of the run gave: {TA.code} is the last
// link code a reply in TA showed, {TA.tip} the last tip it saved with
// /cop save, {TA.offer} the last offer number it made.
type tenantPlan struct {
	setup   []string // typed by the admin U1 in C1
	shareTo []string
	own     []string
	finish  []string // steps (tenantStep)
}

// tenantSteps is how many setup and finishing steps every script has, so
// that the scripts of a group stay aligned: step i of every workspace runs
// before step i+1 of any, and a step can use what an earlier one gave.
const tenantSteps = 9

// tenantScript is a seeded random sequence of what members of one workspace
// ws do: its plan's setup, then commands of every practice family (removal
// and restore, guests' reads, some from DMs), the commands of communities,
// partners, shares and links, and save reactions, edits, deletions, joins
// and cleared reactions in every channel (the named community's C3, a
// private channel G7, DMs), then its plan's finish.
// Member ids (U1…U4), event ids, channel ids and message ids are the same
// in every workspace, as are the tip numbers they produce.
func tenantScript(seed uint64, n int, ws string, plan tenantPlan) []*bot.Event {
	r := rand.New(rand.NewPCG(seed, 0))
	words := []string{"flaky", "tests", "review", "pairing", "deploy", "runbook", "oncall", "docs", "message"}
	tags := []string{"#ci", "#ops", "#testing", "#onboarding"}
	homes := []string{"#ta", "#ga", "#tp", "#tb", "#gb"} // each workspace's messages carry its own
	channels := []string{"<#C1>", "<#C2>", "<#C3>"}
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	commands := []func() string{
		func() string {
			return fmt.Sprintf("save %s %s before %s %s", pick(words), pick(words), pick(words), pick(tags))
		},
		func() string { return "search " + pick(words) },
		func() string { return "search " + pick(tags) },
		func() string { return "search " + pick(homes) },
		func() string { return "search from:<@U" + fmt.Sprint(1+r.IntN(4)) + ">" },
		func() string { return "tips" },
		func() string { return "tips recent " + pick(tags) },
		func() string { return fmt.Sprintf("tag %d %s", 1+r.IntN(8), pick(tags)) },
		func() string { return fmt.Sprintf("untag %d %s", 1+r.IntN(8), pick(tags)) },
		func() string { return fmt.Sprintf("remove %d", 1+r.IntN(8)) },
		func() string { return fmt.Sprintf("facilitator add <@U%d>", 1+r.IntN(4)) },
		func() string { return fmt.Sprintf("facilitator remove <@U%d>", 1+r.IntN(4)) },
		func() string { return "facilitator list" },
		func() string { return "config save-emoji " + pick([]string{"bulb", "bulb", "star"}) },
		func() string { return "config exclude " + pick(channels) },
		func() string { return "config include " + pick(channels) },
		func() string { return "config allow <#G7>" },
		func() string { return fmt.Sprintf("restore %d", 1+r.IntN(8)) },
		func() string { return "tips removed" },
		func() string { return "config" },
		func() string { return "notes " + pick([]string{"on", "off"}) },
		func() string { return "config guests " + pick([]string{"none", "own-channels"}) },
		func() string {
			return fmt.Sprintf(`objective add "%s goal" target 5 due 2099-01-01 %s`, pick(words), pick(tags))
		},
		func() string { return fmt.Sprintf("objective close %d achieved", 1+r.IntN(2)) }, // a button confirms
		func() string { return fmt.Sprintf("objective reopen %d", 1+r.IntN(2)) },
		// Communities, partners, shares and links.
		func() string { return fmt.Sprintf("search %s in:partners", pick(append(homes, words...))) },
		func() string { return fmt.Sprintf("search %s in:partners", pick(homes)) },
		func() string { return fmt.Sprintf("share %d %s", 1+r.IntN(10), pick(plan.shareTo)) },
		func() string { return fmt.Sprintf("share %d %s", 1+r.IntN(10), pick(plan.shareTo)) },
		func() string { return pick([]string{"share", "share list"}) },
		func() string { return fmt.Sprintf("share accept %d", 1+r.IntN(4)) }, // a list's button accepts too
		func() string { return fmt.Sprintf("share decline %d", 1+r.IntN(4)) },
		func() string { return "partner" },
		func() string { return "community" },
		func() string { return "community join fe" },
		func() string { return "in fe tips" },
		func() string { return "in fe search " + pick(append(homes, words...)) },
		func() string { return "in default search " + pick(append(homes, words...)) },
		func() string { return "link me" },
	}
	for _, c := range plan.own {
		commands = append(commands, func() string { return c })
	}
	admin := func(id, channel, text string) *bot.Event {
		return &bot.Event{ID: id, Kind: bot.Command, User: bot.User{ID: "U1", Name: "u1", IsAdmin: true},
			Channel: bot.Channel{ID: channel}, Text: text}
	}
	var evs []*bot.Event
	for i := range tenantSteps {
		text := "help link"
		if i < len(plan.setup) {
			text = plan.setup[i]
		}
		evs = append(evs, admin(fmt.Sprintf("E-setup%d", i), "C1", text))
	}
	// Then a button to press: closing a goal below its target asks for a
	// confirmation, which its button gives.
	evs = append(evs,
		admin("E-goal", "C1", fmt.Sprintf(`objective add "%s goal" target 5 due 2099-01-01`, pick(words))),
		admin("E-close", "C1", "objective close 1 achieved"))
	for i := range n {
		user := fmt.Sprintf("U%d", 1+r.IntN(4))
		// U4 is a guest of the workspace; some events come from a DM or
		// the private channel G7.
		ev := &bot.Event{ID: fmt.Sprintf("E%d", i), User: bot.User{ID: user, Name: strings.ToLower(user), IsAdmin: user == "U1", IsGuest: user == "U4"},
			Channel: bot.Channel{ID: fmt.Sprintf("C%d", 1+r.IntN(3))}}
		switch r.IntN(12) {
		case 0:
			ev.Channel = bot.Channel{ID: "D" + user, Private: true}
		case 1:
			ev.Channel = bot.Channel{ID: "G7", Private: true}
		}
		// A message id is unique in its channel, as a Slack ts is.
		message := bot.MessageRef{ID: fmt.Sprintf("%s.%04d", ev.Channel.ID, r.IntN(6))}
		switch k := r.IntN(20); {
		case k < 8:
			ev.Kind, ev.Emoji, ev.Message = bot.ReactionAdded, pick([]string{"bulb", "bulb", "star", "thumbsup"}), message
			if k < 2 {
				ev.Kind = bot.ReactionRemoved
			}
		case k == 8:
			// An edit keeps the words a fetch gives, so that the tip
			// still says where it came from.
			message.Text = fmt.Sprintf("Message %s in %s of %s #%s, edited %s", message.ID, ev.Channel.ID, ws, strings.ToLower(ws), pick(words))
			ev.Kind, ev.Message = bot.MessageEdited, message
		case k == 9:
			ev.Kind = bot.MemberJoined
		case k == 10 && r.IntN(2) == 0:
			ev.Kind, ev.Message = bot.MessageDeleted, message
		case k == 10:
			ev.Kind, ev.Message = bot.ReactionsCleared, message
		default:
			ev.Kind, ev.Text = bot.Command, commands[r.IntN(len(commands))]()
		}
		evs = append(evs, ev)
	}
	for i := range tenantSteps {
		step := "U1 C1 help share"
		if i < len(plan.finish) {
			step = plan.finish[i]
		}
		evs = append(evs, tenantStep(fmt.Sprintf("E-finish%d", i), step))
	}
	return evs
}

// tenantStep is a scripted event: "U2 C1 search #ga" is a command of U2 in
// C1 (U1 is an admin, U4 a guest, a channel not named C… is private);
// "U3 G7 +G7.0009" is U3's bulb on the message G7.0009.
func tenantStep(id, step string) *bot.Event {
	f := strings.SplitN(step, " ", 3)
	ev := &bot.Event{ID: id, Kind: bot.Command, Text: f[2], Channel: bot.Channel{ID: f[1], Private: !strings.HasPrefix(f[1], "C")},
		User: bot.User{ID: f[0], Name: strings.ToLower(f[0]), IsAdmin: f[0] == "U1", IsGuest: f[0] == "U4"}}
	if msg, ok := strings.CutPrefix(f[2], "+"); ok {
		ev.Kind, ev.Text, ev.Emoji, ev.Message = bot.ReactionAdded, "", "bulb", bot.MessageRef{ID: msg}
	}
	return ev
}
