// Package wait is the one polling helper copbot's tests use: work that
// finishes in the background (an inbox pass, a river job, a platform call)
// is waited for with Until, never with a bare sleep.
package wait

import (
	"testing"
	"time"
)

// Timeout is how long Until waits before it fails the test: long enough for
// a busy CI machine running the race detector, short enough to fail visibly.
const Timeout = 30 * time.Second

// Until polls cond every 20 ms until it holds, and fails tb naming what it
// waited for when Timeout passes first.
func Until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", Timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
