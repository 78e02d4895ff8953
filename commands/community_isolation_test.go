package commands_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/copbot/copbot/bot"
)

// The isolation test's world is made of groups: a group is a set of
// communities that agreed to see each other (a Discord server linked into a
// Slack workspace's community, two workspaces' communities that became
// partners, a workspace's named community beside its default one);
// strangers agreed to nothing. Every group's scripts are played alone, then
// every script of the world interleaved against one database: what each
// workspace's members saw, the notices it was sent and its communities'
// repositories must be the same. A difference means one community read or
// changed another's rows across a boundary nobody agreed to.

var (
	slackTA   = bot.CommunityRef{Platform: bot.Slack, ExternalID: "TA"}
	slackTP   = bot.CommunityRef{Platform: bot.Slack, ExternalID: "TP"}
	slackTB   = bot.CommunityRef{Platform: bot.Slack, ExternalID: "TB"}
	discordGA = bot.CommunityRef{Platform: bot.Discord, ExternalID: "GA"}
	discordGB = bot.CommunityRef{Platform: bot.Discord, ExternalID: "GB"}
)

// isolationGroups are the world's groups and what each workspace does.
// Group A: TA, with a named community fe (home C3); GA, a Discord server
// linked into TA's default community; TP, whose default community is TA's
// partner. The strangers: TB, with the same channels, members, messages and
// tip numbers as TA and a named community fe that is its default's partner;
// GB, a Discord server linked to nothing.
func isolationGroups() [][]bot.CommunityRef {
	return [][]bot.CommunityRef{{discordGA, slackTA, slackTP}, {slackTB}, {discordGB}}
}

// isolationPlans say what each workspace does besides its random script.
// Their last steps cross every agreed boundary on purpose: TA saves a tip
// and shares it with TP, who accepts it; a member links their accounts on
// TA and GA; each of TA, GA and TP saves a message said in the private
// channel G7, which partners must never see; TP ends the partnership, and
// each side searches the other once more.
var isolationPlans = map[bot.CommunityRef]tenantPlan{
	slackTA: {
		setup:   []string{"link", "partner add slack:TP", "community create fe <#C3|fe>", "config allow <#G7>", "partner"},
		shareTo: []string{"slack:TP", "fe", "discord:GA"},
		finish: []string{"U1 C1 config include <#C1>", "U1 C1 save Hand the runbook over to partners #handover",
			"U1 C1 share {TA.tip} slack:TP", "U2 C1 link me", "U1 C1 config save-emoji bulb", "U3 G7 +G7.0009",
			"U3 C1 search #ga", "U3 C1 search #tp in:partners", "U2 C1 search #tp in:partners"},
	},
	discordGA: {
		setup:   []string{"community", "link {TA.code}", "community", "config allow <#G7>"},
		shareTo: []string{"slack:TP", "slack:TA", "fe"},
		own:     []string{"link me {TA.code}"},
		finish: []string{"U3 C1 search #tp in:partners", "U1 C1 share", "U3 C1 search #ta", "U1 C1 search handover",
			"U2 C1 link me {TA.code}", "U2 G7 +G7.0008", "U2 C1 search #ga", "U3 C1 search #tp in:partners"},
	},
	slackTP: {
		setup:   []string{"community", "partner add slack:TA", "config allow <#G7>", "partner"},
		shareTo: []string{"slack:TA", "discord:GA", "default"},
		finish: []string{"U1 C1 config include <#C1>", "U1 C1 share", "U1 C1 share accept {TA.offer}", "U3 C1 search handover",
			"U1 C1 config save-emoji bulb", "U3 G7 +G7.0009", "U2 C1 search #ta in:partners", "U1 C1 partner remove slack:TA",
			"U2 C1 search #ta in:partners"},
	},
	slackTB: {
		setup:   []string{"link", "community create fe <#C3|fe>", "partner add fe", "in fe partner add default", "config allow <#G7>"},
		shareTo: []string{"fe", "default"},
		finish: []string{"U1 C1 config include <#C1>", "U1 C1 save Hand the runbook over to partners #handover",
			"U1 C1 share {TB.tip} fe", "U1 C3 share accept {TB.offer}", "U3 C3 search handover", "U2 C1 search #tb in:partners",
			"U1 C1 config save-emoji bulb", "U3 G7 +G7.0009", "U2 C3 search #tb in:partners"},
	},
	discordGB: {
		setup:   []string{"community", "link", "config allow <#G7>", "partner"},
		shareTo: []string{"default", "fe"},
		finish:  []string{"U2 C1 search #gb", "U3 C1 search #gb in:partners", "U1 C1 link me", "U2 G7 +G7.0009"},
	},
}

// TestTenantIsolation plays the world's groups alone and then together,
// for a few seeds: nothing any workspace sees or holds may change when
// strangers are active. It then checks that the script crossed the
// boundaries that were agreed to (a linked server's reaction found from
// Slack, a partner's tip found and a share accepted) and that what crossed
// them is only what may: no partner ever sees a tip from a private channel.
func TestTenantIsolation(t *testing.T) {
	const events = 120
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			t.Parallel()
			scripts := map[bot.CommunityRef][]*bot.Event{}
			for i, ref := range []bot.CommunityRef{slackTA, discordGA, slackTP, slackTB, discordGB} {
				scripts[ref] = tenantScript(seed*1000+uint64(i), events, ref.ExternalID, isolationPlans[ref])
			}
			// Each group alone, and the world together, each on a database
			// of its own, at once.
			runs := map[string]map[bot.CommunityRef][]*bot.Event{"World": scripts}
			for _, group := range isolationGroups() {
				var name strings.Builder
				some := map[bot.CommunityRef][]*bot.Event{}
				for _, ref := range group {
					name.WriteString(ref.ExternalID)
					some[ref] = scripts[ref]
				}
				runs[name.String()] = some
			}
			var mu sync.Mutex
			alone, together := map[string]tenantSeen{}, map[string]tenantSeen{}
			t.Run("Play", func(t *testing.T) {
				for name, some := range runs {
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						seen := tenantRun(t, some)
						mu.Lock()
						defer mu.Unlock()
						into := alone
						if name == "World" {
							into = together
						}
						maps.Copy(into, seen)
					})
				}
			})
			if t.Failed() {
				return
			}
			for _, ws := range slices.Sorted(maps.Keys(alone)) {
				if diff := alone[ws].difference(together[ws]); diff != "" {
					t.Errorf("%s saw something else with the strangers active (seed %d): %s", ws, seed, diff)
				}
			}
			agreedCrossings(t, alone)
			onlyWhatMayCross(t, alone)
			qualifiedIDsShown(t, alone)
		})
	}
}

// agreedCrossings checks that the script exercised what it checks: every
// boundary that was agreed to was crossed, in the way it was agreed.
func agreedCrossings(t *testing.T, seen map[string]tenantSeen) {
	t.Helper()
	for _, c := range []struct {
		ws, in, want string
		absent       bool
		why          string
	}{
		{"GA", "replies", "Linked: this community is now one with", false, "GA was linked into TA's default community"},
		{"GA", "replies", "Linked: you and u2 on slack", false, "U2 linked their Discord and Slack accounts"},
		{"TA", "replies", " of GA #ga", false, "a search in TA found a tip saved by a reaction in GA"},
		{"GA", "replies", " of TA #ta", false, "a search in GA found a tip saved by a reaction in TA"},
		{"TA", "replies", "*slack:TP #", false, "a partner search in TA found TP's tip"},
		{"TP", "replies", "*slack:TA #", false, "a partner search in TP found TA's tip"},
		{"TP", "replies", "Accepted offer", false, "TP accepted a tip TA shared"},
		{"TP", "notices", "offers default a tip", false, "TP's facilitators were told of an offer"},
		{"TP", "repositories", "Shared from slack:TA #", false, "TP's repository holds a tip shared from TA"},
		{"TA", "repositories", "in C3 of TA", false, "a reaction in C3 saved into fe"},
		{"TA", "repositories", "Message G7.0009 in G7 of TA", false, "a reaction in the allowed private channel saved a tip"},
		{"TA", "repositories", "Message G7.0008 in G7 of GA", false, "a reaction in GA's allowed private channel saved a tip"},
		{"TP", "repositories", "Message G7.0009 in G7 of TP", false, "a reaction in TP's allowed private channel saved a tip"},
		{"TP", "E-finish7", "are no longer partners", false, "TP ended the partnership"},
		{"TP", "E-finish8", "slack:TA #", true, "a partnership that ended shows nothing"},
		{"TA", "E-finish8", "slack:TP #", true, "a partnership that ended shows nothing"},
		{"TB", "replies", "fe and default are partners now", false, "TB's two communities became partners"},
		{"TB", "repositories", "Shared from default #", false, "TB's fe accepted a tip from its default community"},
		{"GB", "repositories", "of GB #gb", false, "GB saved tips of its own"},
		{"TA", "replies", "-button", false, "a button was pressed"},
	} {
		s := seen[c.ws]
		var got string
		switch c.in {
		case "replies":
			got = s.transcript
		case "notices":
			got = s.notices
		case "repositories":
			b, _ := json.Marshal(s.repos)
			got = string(b)
		default: // one event's replies
			_, got, _ = strings.Cut(s.transcript, "\n"+c.in+" ")
			got, _, _ = strings.Cut(got, "\n\n")
		}
		switch {
		case c.absent && strings.Contains(got, c.want):
			t.Errorf("%s's %s show %q, which they may not (%s):\n%s", c.ws, c.in, c.want, c.why, got)
		case !c.absent && !strings.Contains(got, c.want):
			t.Errorf("the script exercised too little: %s's %s lack %q (%s)", c.ws, c.in, c.want, c.why)
		}
	}
	if !strings.Contains(seen["TA"].transcript+seen["TB"].transcript, "Guests of this workspace") {
		t.Errorf("the script exercised too little: no guest was refused")
	}
}

var (
	// partnerTipFromPrivate is a tip of another community, named by it,
	// whose message was said in a DM or a private channel.
	partnerTipFromPrivate = regexp.MustCompile(`\*[^*\n]+ #\d+\* Message \S+ in [DG]\S*`)
	fetchedText           = regexp.MustCompile(`Message \S+ in (\S+) of (\w+)`)
)

// onlyWhatMayCross checks what crossed: no workspace was shown a
// stranger's message, and, inside each group, what the differential cannot
// see: a partner never saw a tip said in a private channel or a DM, and a
// repository holds only its own workspaces' messages and, shared from a
// partner, none said in private.
func onlyWhatMayCross(t *testing.T, seen map[string]tenantSeen) {
	t.Helper()
	own := map[string][]string{"slack:TA": {"TA", "GA"}}
	group := map[string][]string{}
	for _, g := range isolationGroups() {
		for _, ref := range g {
			for _, other := range g {
				group[ref.ExternalID] = append(group[ref.ExternalID], other.ExternalID)
			}
		}
	}
	for ws, s := range seen {
		if m := partnerTipFromPrivate.FindString(s.transcript + s.notices); m != "" {
			t.Errorf("%s was shown a partner's tip from a private channel: %s", ws, m)
		}
		for _, m := range fetchedText.FindAllStringSubmatch(s.transcript+s.notices, -1) {
			if !slices.Contains(group[ws], m[2]) {
				t.Errorf("%s was shown a message of a stranger: %s", ws, m[0])
			}
		}
		for community, tips := range s.repos {
			mine := slices.Concat(own[community], []string{ws})
			for _, tip := range tips {
				m := fetchedText.FindStringSubmatch(tip.Text)
				if m == nil {
					continue // saved with /cop save
				}
				private, from := strings.HasPrefix(m[1], "D") || strings.HasPrefix(m[1], "G"), m[2]
				shared := strings.Contains(tip.Text, "Shared from")
				if !shared && !slices.Contains(mine, from) || shared && private {
					t.Errorf("%s holds tip %d, %q", community, tip.Number, tip.Text)
				}
			}
		}
	}
}
