package commands_test

import (
	"strings"
	"testing"
)

// TestPulse_FacilitatorsActivityIsMentioned (issue 23): a young community
// whose facilitators do the work is not told only "Active members: 0".
func TestPulse_FacilitatorsActivityIsMentioned(t *testing.T) {
	out := consoleScript(t, "/cop save Pin your tool versions", "/cop stats", "/cop stats 30d all")
	if !strings.Contains(out, "Active members: 0 (=)") ||
		!strings.Contains(out, "(1 more active if you count facilitators: `/cop stats 30d all`)") {
		t.Errorf("stats do not mention the facilitators' activity:\n%s", out)
	}
	if strings.Count(out, "more active if you count facilitators") != 1 {
		t.Errorf("stats counting facilitators mention them again:\n%s", out)
	}
}
