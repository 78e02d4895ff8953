package commands

import (
	"maps"
	"sync"

	"github.com/copbot/copbot/knowledge"
)

// Reasons the core acknowledges an event and then drops it on purpose,
// before recording it; the inbox passes add their own (knowledge.Dropped…).
const (
	dropOtherEmoji = "other_emoji"
	dropBot        = knowledge.DroppedBot
)

// dropCounts counts the events dropped on purpose, by reason, so that an
// event dropped by a rule can always be told from one lost.
type dropCounts struct {
	mu sync.Mutex
	n  map[string]int64
}

func (d *dropCounts) add(reason string, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int64{}
	}
	d.n[reason] += int64(n)
}

// dropped counts one event the core dropped on purpose.
func (c *Core) dropped(reason string) { c.drops.add(reason, 1) }

// Dropped returns how many events this process acknowledged and then
// dropped on purpose, by reason: reactions with another emoji or by a bot,
// and reactions in excluded or unallowed private channels.
func (c *Core) Dropped() map[string]int64 {
	c.drops.mu.Lock()
	defer c.drops.mu.Unlock()
	return maps.Clone(c.drops.n)
}
