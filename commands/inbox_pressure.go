package commands

import (
	"context"
	"sync"
	"time"
)

// Acknowledgements come first. A platform waits on an acknowledgement (three
// seconds at most), while a capture waits in the inbox, which loses nothing;
// on a small machine both compete for the same cores. So while events
// arrive faster than burstRate a second, the inbox passes and the capture
// jobs give way, each for up to burstYield at a time, and the burst is
// acknowledged at full speed and applied right after. At ordinary rates
// nothing waits.
const (
	burstRate  = 2000
	burstYield = 2 * time.Second
)

// rateMeter counts events over 100 ms windows.
type rateMeter struct {
	mu    sync.Mutex
	start time.Time
	n     int // in the current window
	last  int // in the window before
}

const meterWindow = 100 * time.Millisecond

func (m *rateMeter) add(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(now)
	m.n++
}

// perSecond is the rate of the last whole window.
func (m *rateMeter) perSecond(now time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(now)
	return m.last * int(time.Second/meterWindow)
}

func (m *rateMeter) roll(now time.Time) {
	switch d := now.Sub(m.start); {
	case d < meterWindow:
		return
	case d < 2*meterWindow:
		m.last = m.n
	default:
		m.last = 0 // a whole window went by without an event
	}
	m.n, m.start = 0, now
}

// yieldToAcknowledgements waits while events arrive in a burst, up to
// burstYield.
func (c *Core) yieldToAcknowledgements(ctx context.Context) {
	deadline := time.Now().Add(burstYield)
	for c.arrivals.perSecond(time.Now()) > burstRate && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(meterWindow / 2):
		}
	}
}
