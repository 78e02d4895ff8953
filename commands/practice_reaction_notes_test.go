package commands_test

import (
	"strings"
	"testing"
)

// TestPractice_ReactionsThatSaveNothingAreExplained (issue 23): a reaction
// in an excluded channel is explained once a day per channel, a vote for a
// removed tip says so, and taking back a tip's last vote says it left.
func TestPractice_ReactionsThatSaveNothingAreExplained(t *testing.T) {
	out := wiredConsole(t,
		"Pin your tool versions",
		"/react m1 bulb",
		"/cop config exclude #random",
		"/channel random",
		"Hello there",
		"/react m2 bulb",
		"/unreact m2 bulb",
		"/react m2 bulb",
		"Another one",
		"/react m3 bulb",
		"/channel general",
		"/cop remove 1",
		"/as ada",
		"/react m1 bulb",
		"Smaller pull requests",
		"/react m4 bulb",
		"/unreact m4 bulb",
		"/cop tips",
	)
	excluded := "Reactions in #random don't save tips: facilitators excluded it"
	if n := strings.Count(out, excluded); n != 1 {
		t.Errorf("the excluded channel was explained %d times, want once a day:\n%s", n, out)
	}
	for _, want := range []string{
		"ada #general> /react m1 bulb\ncopbot (only you): Tip 1 is out of the repository: someone took it out. Your vote is kept",
		"ada #general> /unreact m4 bulb\ncopbot (only you): You took back the last vote for tip 2, so it left the repository.",
		"ada #general> /cop tips\ncopbot (only you): The repository is empty so far.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console does not show %q:\n%s", want, out)
		}
	}
}
