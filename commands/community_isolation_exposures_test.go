package commands_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
)

// qualifiedIDsShown checks that no reply or notice shows an id qualified
// by its workspace (bot.Qualify), which only copbot reads.
func qualifiedIDsShown(t *testing.T, seen map[string]tenantSeen) {
	t.Helper()
	for _, ws := range slices.Sorted(maps.Keys(seen)) {
		for line := range strings.Lines(seen[ws].transcript + "\n" + seen[ws].notices) {
			if strings.Contains(line, "~slack:") || strings.Contains(line, "~discord:") {
				t.Errorf("a qualified id reached %s's people: %s", ws, line)
			}
		}
	}
}

// TestTenantIsolation_LinkedSideReadsItsOwnIDs plays, on a Discord server
// GA linked into Slack's TA, the steps that once showed qualified ids (the
// isolation test found them): a channel named by its id alone (Discord's
// channel options carry no name), a member whose name copbot does not know
// yet, and the next-page button of a search from: a member, which must
// work when pressed; and /cop config writes its channel list on a line of
// its own.
func TestTenantIsolation_LinkedSideReadsItsOwnIDs(t *testing.T) {
	ga := []string{"U1 C1 community", "U1 C1 link {TA.code}", "U1 C1 config allow <#G7>", "U1 C1 facilitator add <@U9>"}
	for i := range 11 { // more than a page of U2's tips: the reply has a button
		ga = append(ga, fmt.Sprintf("U1 C1 +C1.%04d", i))
	}
	ga = append(ga, "U1 C1 search from:<@U2>")
	ta := []string{"U1 C1 link"}
	for len(ta) < len(ga) {
		ta = append(ta, "U1 C1 help link")
	}
	ta = append(ta, "U1 C1 config")
	scripts := map[bot.CommunityRef][]*bot.Event{}
	for ref, steps := range map[bot.CommunityRef][]string{slackTA: ta, discordGA: ga} {
		for i, step := range steps {
			scripts[ref] = append(scripts[ref], tenantStep(fmt.Sprintf("K%d", i), step))
		}
	}
	seen := tenantRun(t, scripts)
	qualifiedIDsShown(t, seen)
	for _, want := range []string{"#G7", "U9 is now a facilitator", "-button"} {
		if !strings.Contains(seen["GA"].transcript, want) {
			t.Errorf("GA's transcript lacks %q:\n%s", want, seen["GA"].transcript)
		}
	}
	if strings.Contains(seen["GA"].transcript, "I don't know anyone called") {
		t.Errorf("a button of GA's search named a member GA cannot name:\n%s", seen["GA"].transcript)
	}
	if glued := "`off`Allowed channels"; strings.Contains(seen["TA"].transcript, glued) {
		t.Errorf("/cop config glues its channel list to its last setting:\n%s", seen["TA"].transcript)
	}
}
