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

// interval is how often cond is asked again.
const interval = 20 * time.Millisecond

// Until polls cond every 20 ms until it holds, and fails tb naming what it
// waited for when Timeout passes first.
func Until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	if !Within(Timeout, cond) {
		tb.Fatalf("timed out after %s waiting for %s", Timeout, what)
	}
}

// Within polls cond every 20 ms until it holds, and reports whether it did
// before timeout passed. It is Until for a caller that says itself what
// went wrong (the state it found, what the program logged), or that waits
// longer than Timeout by design (a job rescuer that runs every 30 s), or
// that goes on either way.
func Within(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
	return true
}
