package bottest

import (
	"slices"
	"testing"

	"github.com/copbot/copbot/bot"
)

// TestEventKinds_AllExercised: every kind of event the core understands is
// one Exercise has people cause, so a new kind fails here until each
// harness sends it or says why it cannot.
func TestEventKinds_AllExercised(t *testing.T) {
	for k := bot.Command; k.String() != "unknown" && k < 100; k++ {
		if !slices.Contains(eventKinds, k) {
			t.Errorf("Exercise does not cause %s events", k)
		}
	}
}
