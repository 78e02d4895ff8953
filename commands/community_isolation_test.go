package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// teamFetcher answers every fetch with a message that names the community
// it belongs to, so a tip that crossed communities would show it.
type teamFetcher struct{ fakeSlack }

func (*teamFetcher) FetchMessage(_ context.Context, ref bot.CommunityRef, _, messageID, _ string) (bot.FetchedMessage, error) {
	return bot.FetchedMessage{
		Text:   fmt.Sprintf("Message %s of %s #%s", messageID, ref.ExternalID, strings.ToLower(ref.ExternalID)),
		Author: bot.User{ID: "U2", Name: "two"}, Permalink: "https://" + ref.ExternalID + ".example/" + messageID,
	}, nil
}

func (*teamFetcher) Notify(context.Context, bot.Notice) error { return nil }

// tenantScript is a seeded random sequence of what members of one Slack
// workspace do: commands of every practice family (removal and restore,
// guests' reads, some from DMs), and save reactions.
// Member ids (U1…U4), event ids and message ids are the same in every
// workspace, as are the tip numbers they produce.
func tenantScript(seed uint64, n int) []*bot.Event {
	r := rand.New(rand.NewPCG(seed, 0))
	words := []string{"flaky", "tests", "review", "pairing", "deploy", "runbook", "oncall", "docs"}
	tags := []string{"#ci", "#ops", "#testing", "#onboarding"}
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	commands := []func() string{
		func() string {
			return fmt.Sprintf("save %s %s before %s %s", pick(words), pick(words), pick(words), pick(tags))
		},
		func() string { return "search " + pick(words) },
		func() string { return "search " + pick(tags) },
		func() string { return "search from:<@U" + fmt.Sprint(1+r.IntN(4)) + ">" },
		func() string { return "tips" },
		func() string { return "tips recent " + pick(tags) },
		func() string { return fmt.Sprintf("tag %d %s", 1+r.IntN(8), pick(tags)) },
		func() string { return fmt.Sprintf("untag %d %s", 1+r.IntN(8), pick(tags)) },
		func() string { return fmt.Sprintf("remove %d", 1+r.IntN(8)) },
		func() string { return fmt.Sprintf("facilitator add <@U%d>", 1+r.IntN(4)) },
		func() string { return fmt.Sprintf("facilitator remove <@U%d>", 1+r.IntN(4)) },
		func() string { return "facilitator list" },
		func() string { return "config save-emoji " + pick([]string{"bulb", "star"}) },
		func() string { return "config exclude <#C" + fmt.Sprint(1+r.IntN(3)) + ">" },
		func() string { return "config include <#C" + fmt.Sprint(1+r.IntN(3)) + ">" },
		func() string { return fmt.Sprintf("restore %d", 1+r.IntN(8)) },
		func() string { return "tips removed" },
		func() string { return "notes " + pick([]string{"on", "off"}) },
		func() string { return "config guests " + pick([]string{"none", "own-channels"}) },
		func() string {
			return fmt.Sprintf(`objective add "%s goal" target 5 due 2099-01-01 %s`, pick(words), pick(tags))
		},
		func() string { return fmt.Sprintf("objective close %d achieved", 1+r.IntN(2)) }, // a button confirms
		func() string { return fmt.Sprintf("objective reopen %d", 1+r.IntN(2)) },
	}
	// Every script opens with a button to press: closing a goal below its
	// target asks for a confirmation, which its button gives.
	evs := []*bot.Event{
		{ID: "E-goal", Kind: bot.Command, User: bot.User{ID: "U1", Name: "u1", IsAdmin: true}, Channel: bot.Channel{ID: "C1"},
			Text: fmt.Sprintf(`objective add "%s goal" target 5 due 2099-01-01`, pick(words))},
		{ID: "E-close", Kind: bot.Command, User: bot.User{ID: "U1", Name: "u1", IsAdmin: true}, Channel: bot.Channel{ID: "C1"},
			Text: "objective close 1 achieved"},
	}
	for i := range n {
		user := fmt.Sprintf("U%d", 1+r.IntN(4))
		// U4 is a guest of the workspace; some commands come from a DM.
		ev := &bot.Event{ID: fmt.Sprintf("E%d", i), User: bot.User{ID: user, Name: strings.ToLower(user), IsAdmin: user == "U1", IsGuest: user == "U4"},
			Channel: bot.Channel{ID: fmt.Sprintf("C%d", 1+r.IntN(3))}}
		if r.IntN(8) == 0 {
			ev.Channel = bot.Channel{ID: "D" + user, Private: true}
		}
		switch k := r.IntN(10); {
		case k < 4:
			ev.Kind, ev.Emoji = bot.ReactionAdded, pick([]string{"bulb", "bulb", "star", "thumbsup"})
			ev.Message = bot.MessageRef{ID: fmt.Sprintf("1700.%04d", r.IntN(12))}
			if k == 0 {
				ev.Kind = bot.ReactionRemoved
			}
		default:
			ev.Kind, ev.Text = bot.Command, commands[r.IntN(len(commands))]()
		}
		evs = append(evs, ev)
	}
	return evs
}

// tenantRun plays the scripts of some workspaces, interleaved one event at
// a time, against a fresh database, pressing the first button of a
// command's reply, and returns per workspace what its members saw (every
// reply) and its exported repository.
func tenantRun(t *testing.T, scripts map[string][]*bot.Event) map[string]string {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	core, _ := newCore(t, pool, &teamFetcher{})
	store, err := knowledge.NewStore(pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]*strings.Builder{}
	var teams []string
	for team := range scripts {
		teams = append(teams, team)
		seen[team] = &strings.Builder{}
	}
	slices.Sort(teams)
	for i := 0; ; i++ {
		played := false
		for _, team := range teams {
			if i >= len(scripts[team]) {
				continue
			}
			played = true
			ev := *scripts[team][i]
			ev.Community = bot.CommunityRef{Platform: bot.Slack, ExternalID: team}
			// A reply's first button is pressed at once, as Slack sends a
			// press: its command, run as the member.
			for pressed := false; ; pressed = true {
				replies, err := core.HandleEvent(ctx, &ev)
				if err != nil {
					t.Fatalf("%s event %s: %v", team, ev.ID, err)
				}
				settle(t, core, ev.Community)
				fmt.Fprintf(seen[team], "%s %s %s:", ev.ID, ev.User.ID, ev.Text)
				var button string
				for _, r := range replies {
					fmt.Fprintf(seen[team], " %s\n", r.Text.String())
					if len(r.Buttons) > 0 && button == "" {
						button = r.Buttons[0].Command
					}
				}
				fmt.Fprintln(seen[team])
				if button == "" || pressed || ev.Kind != bot.Command {
					break
				}
				ev.ID, ev.Text = ev.ID+"-button", button
			}
		}
		if !played {
			break
		}
	}
	out := map[string]string{}
	for _, team := range teams {
		c, err := store.FindCommunity(ctx, "slack", team, "")
		if err != nil {
			t.Fatal(err)
		}
		tips, err := store.ExportTips(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tips {
			tips[i].SavedAt = time.Time{} // times differ between runs
		}
		export, _ := json.MarshalIndent(tips, "", " ")
		out[team] = seen[team].String() + string(export)
	}
	return out
}

func settle(t *testing.T, core *commands.Core, ref bot.CommunityRef) {
	t.Helper()
	if err := core.Settle(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
}

// TestTenantIsolation plays two workspaces with overlapping member ids,
// event ids, message ids and tip numbers, each alone and then interleaved:
// what each one's members see, and its repository, must not change when the
// other is active. A difference means one community read or changed the
// other's rows.
func TestTenantIsolation(t *testing.T) {
	const events = 120
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			a, b := tenantScript(seed, events), tenantScript(seed+100, events)
			alone := tenantRun(t, map[string][]*bot.Event{"TA": a})
			alone["TB"] = tenantRun(t, map[string][]*bot.Event{"TB": b})["TB"]
			together := tenantRun(t, map[string][]*bot.Event{"TA": a, "TB": b})
			for _, team := range []string{"TA", "TB"} {
				if together[team] != alone[team] {
					t.Errorf("%s saw something else with the other workspace active (seed %d):\n%s",
						team, seed, firstDifference(alone[team], together[team]))
				}
			}
			if !strings.Contains(alone["TA"], "Saved as tip") || !strings.Contains(alone["TA"], "of TA") ||
				!strings.Contains(alone["TA"]+alone["TB"], "Guests of this workspace") || !strings.Contains(alone["TA"]+alone["TB"], "-button") {
				t.Errorf("the script exercised too little; TA's run:\n%s", alone["TA"])
			}
		})
	}
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			return fmt.Sprintf("line %d\n  alone:    %s\n  together: %s", i+1, w[i], g[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d lines alone, %d together", len(w), len(g))
}
