package knowledge_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStore_ClaimCommand: of several deliveries of one command at once,
// one runs; the others get the run; after the window, or after a run that
// failed, the same text runs again.
func TestStore_ClaimCommand(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	ada := p.member(t, "ada")

	var runs atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := s.ClaimCommand(ctx, ada, "checkin 1 +1")
			if err != nil {
				t.Error(err)
				return
			}
			if rep == nil {
				runs.Add(1)
			}
		}()
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("%d of 10 concurrent deliveries ran; want one", runs.Load())
	}
	if err := s.FinishCommand(ctx, ada, "checkin 1 +1", "answered", false); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ClaimCommand(ctx, ada, "checkin 1 +1")
	if err != nil || rep == nil || string(rep.Reply) != `"answered"` {
		t.Fatalf("a repeat = %+v, %v; want the first run's answer", rep, err)
	}
	if rep, err := s.ClaimCommand(ctx, p.member(t, "bob"), "checkin 1 +1"); err != nil || rep != nil {
		t.Fatalf("another member's same command = %+v, %v; want it run", rep, err)
	}
	// With another command of ada's in between, the same text runs again.
	if rep, err := s.ClaimCommand(ctx, ada, "checkin 1 -1"); err != nil || rep != nil {
		t.Fatalf("ada's next command = %+v, %v; want it run", rep, err)
	}
	if rep, err := s.ClaimCommand(ctx, ada, "checkin 1 +1"); err != nil || rep != nil {
		t.Fatalf("ada's +1 after a -1 = %+v, %v; want it run", rep, err)
	}

	if _, err := s.Pool().Exec(ctx, `UPDATE recent_commands SET ran_at = ran_at - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.ClaimCommand(ctx, ada, "checkin 1 +1"); err != nil || rep != nil {
		t.Fatalf("after the window = %+v, %v; want it run again", rep, err)
	}
	if err := s.FinishCommand(ctx, ada, "checkin 1 +1", nil, true); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.ClaimCommand(ctx, ada, "checkin 1 +1"); err != nil || rep != nil {
		t.Fatalf("after a failed run = %+v, %v; want it run again", rep, err)
	}
	if n, err := s.PruneRecentCommands(ctx); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v); want bob's old run", n, err)
	}
}
