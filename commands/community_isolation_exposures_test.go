package commands_test

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
)

// knownExposures are bugs the isolation test found: ids qualified by their
// workspace (bot.Qualify), which only copbot reads, that reach the people
// of a linked community. No stranger sees them; they are the linked
// community's own ids. TestTenantIsolation tolerates these and fails on any
// other; TestTenantIsolation_KnownBugs shows each in a short script and
// fails once it is fixed, so that it is removed here and held from then on.
var knownExposures = []struct {
	pattern *regexp.Regexp
	bug     string
}{
	{regexp.MustCompile(`<@~discord:GA:U\d+>`), "a button's command keeps the qualified id of the member it names " +
		"(More results of /cop search from:@u2), so pressing it on the linked side fails with " +
		"“I don't know anyone called @<@~discord:GA:U2> here yet”"},
	{regexp.MustCompile(`#~discord:GA:\w+`), "a channel a linked side names by its id alone (Discord's channel options " +
		"carry no name) is answered by /cop config allow|exclude|include, and listed by /cop config on every side, by its " +
		"qualified id"},
	{regexp.MustCompile(`~discord:GA:U\d+`), "a member of a linked side whose name copbot does not know yet is named " +
		"by their qualified id (/cop facilitator add @them, /cop search from:@them)"},
}

// qualifiedIDsShown checks that no reply or notice shows an id qualified
// by its workspace, but for the known exposures, which it counts.
func qualifiedIDsShown(t *testing.T, seen map[string]tenantSeen) {
	t.Helper()
	shown := make([]int, len(knownExposures))
	for _, ws := range slices.Sorted(maps.Keys(seen)) {
		for line := range strings.Lines(seen[ws].transcript + "\n" + seen[ws].notices) {
			rest := line
			for i, k := range knownExposures {
				if k.pattern.MatchString(rest) {
					shown[i]++
					rest = k.pattern.ReplaceAllString(rest, "")
				}
			}
			if strings.Contains(rest, "~slack:") || strings.Contains(rest, "~discord:") {
				t.Errorf("a qualified id reached %s's people: %s", ws, line)
			}
		}
	}
	for i, k := range knownExposures {
		if shown[i] > 0 {
			t.Logf("known bug, shown %d times: %s", shown[i], k.bug)
		}
	}
}

// TestTenantIsolation_KnownBugs plays, on a Discord server GA linked into
// Slack's TA, the steps that show each bug the isolation test found, and
// fails when one no longer shows: it is fixed, and its tolerance is to go.
// Beside the known exposures: /cop config writes its first channel list on
// the line of its last setting ("… `on` or `off`Allowed channels …").
func TestTenantIsolation_KnownBugs(t *testing.T) {
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
	all := seen["TA"].transcript + seen["GA"].transcript
	for _, k := range knownExposures {
		var lines []string
		for line := range strings.Lines(all) {
			if k.pattern.MatchString(line) {
				lines = append(lines, strings.TrimSpace(line))
			}
		}
		if len(lines) == 0 {
			t.Errorf("fixed, it seems: remove it from knownExposures: %s", k.bug)
		}
		t.Logf("known bug: %s\n%s", k.bug, strings.Join(lines, "\n"))
	}
	if glued := "`on` or `off`Allowed channels"; strings.Contains(seen["TA"].transcript, glued) {
		t.Logf("known bug: /cop config writes its first channel list on the line of its last setting: %q", glued)
	} else {
		t.Errorf("fixed, it seems: /cop config no longer glues its channel list to its last setting; remove this check:\n%s",
			seen["TA"].transcript)
	}
}
