package wait

import (
	"testing"
	"time"
)

func TestWithin(t *testing.T) {
	calls := 0
	if !Within(time.Second, func() bool { calls++; return calls == 3 }) || calls != 3 {
		t.Errorf("Within stopped after %d calls; want true on the third", calls)
	}
	start := time.Now()
	if Within(50*time.Millisecond, func() bool { return false }) {
		t.Error("Within reported a condition that never held")
	}
	if took := time.Since(start); took < 50*time.Millisecond || took > 5*time.Second {
		t.Errorf("Within gave up after %v; want just over 50ms", took)
	}
}
