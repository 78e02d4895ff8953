package knowledge_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/copbot/copbot/knowledge"
)

// TestStore_EditWhileCaptured: the message is edited after its capture was
// queued (perhaps after the capture fetched it); the tip is saved with the
// edited text, so what the author took out stays out.
func TestStore_EditWhileCaptured(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	p.react(t, "e1", "ada", "M1", true)
	p.drain(t)
	item := p.queued(t)[0]
	if _, err := s.RecordEdit(ctx, p.c.ID, "ed1", "M1", "deploy with the token in the vault #ops"); err != nil {
		t.Fatal(err)
	}
	p.drain(t)
	tip := p.capture(t, item, "deploy with token hunter2", "bob")
	if tip.Text != "deploy with the token in the vault #ops" || fmt.Sprint(tip.Tags) != "[ops]" {
		t.Fatalf("saved %q %v; want the edited text and its tags", tip.Text, tip.Tags)
	}
	if _, err := s.RecordEdit(ctx, p.c.ID, "ed2", "M1", "later edit"); err != nil {
		t.Fatal(err)
	}
	p.drain(t)
	if got := p.tip(t, tip.Number); got.Text != "later edit" {
		t.Fatalf("after a later edit: %q", got.Text)
	}
}

// TestStore_ReactionsCleared: a moderator clearing a message's reactions
// takes back every vote; a reaction after the clear, even in the same
// pass, votes again.
func TestStore_ReactionsCleared(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "discord", "G1")
	p.react(t, "e1", "ada", "M1", true)
	p.react(t, "e2", "bob", "M1", true)
	p.drain(t)
	tip := p.capture(t, p.queued(t)[0], "a tip", "cy")
	if tip.Votes != 2 {
		t.Fatalf("votes = %d, want 2", tip.Votes)
	}
	p.react(t, "e3", "dee", "M1", true) // in the same pass as the clear, before it
	if _, err := s.RecordClear(ctx, p.c.ID, "clear1", "C1", "M1"); err != nil {
		t.Fatal(err)
	}
	p.drain(t)
	if got := p.tip(t, tip.Number); got.Votes != 0 || got.RemovedReason != "unvoted" {
		t.Fatalf("after the clear: %d votes, removed %q; want none, unvoted", got.Votes, got.RemovedReason)
	}
	if _, err := s.RecordClear(ctx, p.c.ID, "clear2", "C1", "M1"); err != nil {
		t.Fatal(err)
	}
	p.react(t, "e4", "ada", "M1", true)
	p.drain(t)
	if got := p.tip(t, tip.Number); got.Votes != 1 || got.RemovedAt != nil {
		t.Fatalf("a vote after a clear: %d votes, removed at %v; want 1, back in the repository", got.Votes, got.RemovedAt)
	}
}

// TestStore_ChannelDeleted: the tips of a deleted channel's messages are
// hidden and lose their text, captured or still pending; tips saved with
// /cop save and tips of other channels stay.
func TestStore_ChannelDeleted(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	p.reactIn(t, "e1", "ada", "M1", "C-gone", false, true)
	p.reactIn(t, "e2", "ada", "M2", "C-kept", false, true)
	p.drain(t)
	items := p.queued(t)
	saved := map[string]knowledge.Tip{}
	for _, it := range items {
		saved[it.MessageID] = p.capture(t, it, "said in "+it.ChannelID, "bob")
	}
	direct, err := s.SaveTip(ctx, p.member(t, "ada"), knowledge.NewTip{Text: "typed to copbot", ChannelID: "C-gone"})
	if err != nil {
		t.Fatal(err)
	}
	p.reactIn(t, "e3", "ada", "M3", "C-gone", false, true)
	p.drain(t)
	pending := p.queued(t)[0]
	if _, err := s.RecordChannelDelete(ctx, p.c.ID, "chdel", "C-gone"); err != nil {
		t.Fatal(err)
	}
	p.drain(t)
	if got := p.tip(t, saved["M1"].Number); got.RemovedReason != "deleted" || got.Text != "" {
		t.Fatalf("tip of the deleted channel: removed %q, text %q", got.RemovedReason, got.Text)
	}
	if got := p.tip(t, saved["M2"].Number); got.RemovedAt != nil {
		t.Fatalf("a tip of another channel was removed: %q", got.RemovedReason)
	}
	if got := p.tip(t, direct.Number); got.RemovedAt != nil {
		t.Fatalf("a tip saved with /cop save was removed: %q", got.RemovedReason)
	}
	out, err := s.CompleteCaptures(ctx, []knowledge.Captured{{Item: pending, Message: knowledge.Message{Text: "fetched late", AuthorID: "U-bob"}}})
	if err != nil || len(out) != 0 {
		t.Fatalf("the pending capture in the deleted channel saved %v, %v", out, err)
	}
}

// TestStore_RemovalAlwaysApplies: a vote cast before its channel was
// excluded can still be taken back; new votes there count for nothing,
// and the pass says so.
func TestStore_RemovalAlwaysApplies(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	p.react(t, "e1", "ada", "M1", true)
	p.react(t, "e2", "bob", "M1", true)
	p.drain(t)
	tip := p.capture(t, p.queued(t)[0], "a tip", "cy")
	if _, err := s.SetChannelPolicy(ctx, p.member(t, "admin"), "C1", "", "exclude"); err != nil {
		t.Fatal(err)
	}
	p.react(t, "e3", "ada", "M1", false)
	p.react(t, "e4", "dee", "M1", true)
	d := p.drain(t)
	if got := p.tip(t, tip.Number); got.Votes != 1 {
		t.Fatalf("votes = %d; want bob's alone (ada took hers back, dee's is in an excluded channel)", got.Votes)
	}
	if d.Dropped[knowledge.DroppedExcluded] != 1 {
		t.Fatalf("dropped = %v; want dee's reaction counted as excluded", d.Dropped)
	}
}

// TestStore_ApplyOldestAlone: a refused event is set aside, under the
// inbox's lock; processes isolating at once set aside that one event and
// nothing else, and every good event is applied.
func TestStore_ApplyOldestAlone(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	if _, err := s.RecordReaction(ctx, p.c.ID, "bad", knowledge.Reaction{Added: true, ChannelID: "C1", MessageID: "M-bad"}); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		p.react(t, fmt.Sprintf("good-%d", i), fmt.Sprintf("m%d", i), fmt.Sprintf("M%d", i), true)
	}
	if _, err := s.DrainInbox(ctx, 1000); !knowledge.IsRefused(err) {
		t.Fatalf("a pass with the bad event: %v; want it refused", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var setAside []string
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				iso, err := s.ApplyOldestAlone(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if iso.Empty {
					return
				}
				if iso.SetAside != "" {
					mu.Lock()
					setAside = append(setAside, iso.SetAside)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	p.drain(t)
	if fmt.Sprint(setAside) != "[bad]" {
		t.Fatalf("set aside %v; want only the bad event", setAside)
	}
	if n := len(p.queued(t)); n != 20 {
		t.Fatalf("%d captures queued; want one for each of the 20 good reactions", n)
	}
}
