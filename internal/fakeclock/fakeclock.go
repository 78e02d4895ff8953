// Package fakeclock is the clock copbot's tests move by hand. A store takes
// its Now (knowledge.Store.SetClock), and the stores of several copbot
// processes in one test may share it: it is safe for concurrent use, since
// job workers read it while the test moves it.
package fakeclock

import (
	"sync"
	"time"
)

// Clock stands at one time until Set moves it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now is the time the clock stands at.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t, forwards or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
