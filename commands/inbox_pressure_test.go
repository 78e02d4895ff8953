package commands

import (
	"testing"
	"time"
)

func TestRateMeter(t *testing.T) {
	var m rateMeter
	t0 := time.Unix(1000, 0)
	m.add(t0)
	for i := range 300 { // 300 events in one 100 ms window: 3,000 a second
		m.add(t0.Add(time.Duration(i) * 300 * time.Microsecond))
	}
	if got := m.perSecond(t0.Add(150 * time.Millisecond)); got != 3010 {
		t.Errorf("rate after a window of 301 events = %d/s, want 3010", got)
	}
	if got := m.perSecond(t0.Add(400 * time.Millisecond)); got != 0 {
		t.Errorf("rate after a quiet window = %d/s, want 0", got)
	}
}
