package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/copbot/copbot/knowledge"
)

// TestStore_RemoveAndRestore: a voter cannot remove a tip; its author, the
// member who saved it with /cop save and facilitators can; the author is
// told unless they removed it or turned notes off; facilitators and the
// author bring it back with its votes and tags.
func TestStore_RemoveAndRestore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	p.react(t, "e1", "ada", "M1", true)
	p.react(t, "e2", "cy", "M1", true)
	p.drain(t)
	captured := p.capture(t, p.queued(t)[0], "Pin your tool versions #ops", "bob")
	ada, bob, cy, admin := p.member(t, "ada"), p.member(t, "bob"), p.member(t, "cy"), p.member(t, "admin")

	if _, err := s.RemoveTip(ctx, ada, captured.Number); !errors.Is(err, knowledge.ErrForbidden) {
		t.Fatalf("a voter removed the tip: %v", err)
	}
	r, err := s.RemoveTip(ctx, admin, captured.Number)
	if err != nil || r.TellAuthor != "U-bob" {
		t.Fatalf("a facilitator's removal = %+v, %v; want bob told", r, err)
	}
	removed, _, err := s.RemovedTips(ctx, admin, 0, 10)
	if err != nil || len(removed) != 1 || removed[0].RemovedBy != "admin" {
		t.Fatalf("removed tips = %+v, %v; want tip %d removed by admin", removed, err, captured.Number)
	}
	if _, _, err := s.RemovedTips(ctx, ada, 0, 10); !errors.Is(err, knowledge.ErrForbidden) {
		t.Fatalf("a member listed removed tips: %v", err)
	}
	if _, err := s.RestoreTip(ctx, cy, captured.Number); !errors.Is(err, knowledge.ErrForbidden) {
		t.Fatalf("a voter restored the tip: %v", err)
	}
	back, err := s.RestoreTip(ctx, bob, captured.Number)
	if err != nil || back.RemovedAt != nil || back.Votes != 2 || len(back.Tags) != 1 {
		t.Fatalf("the author's restore = %+v, %v; want it back with 2 votes and its tag", back, err)
	}
	if _, err := s.RestoreTip(ctx, bob, captured.Number); err == nil {
		t.Fatal("restoring a tip in the repository was accepted")
	}

	if err := s.SetNotes(ctx, bob, false); err != nil {
		t.Fatal(err)
	}
	if r, err := s.RemoveTip(ctx, admin, captured.Number); err != nil || r.TellAuthor != "" {
		t.Fatalf("removal with notes off = %+v, %v; want nobody told", r, err)
	}
	if _, err := s.RestoreTip(ctx, admin, captured.Number); err != nil {
		t.Fatal(err)
	}
	if r, err := s.RemoveTip(ctx, bob, captured.Number); err != nil || r.TellAuthor != "" {
		t.Fatalf("the author's own removal = %+v, %v", r, err)
	}

	direct, err := s.SaveTip(ctx, cy, knowledge.NewTip{Text: "Typed to copbot"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveTip(ctx, ada, direct.Number); !errors.Is(err, knowledge.ErrForbidden) {
		t.Fatalf("another member removed a saved tip: %v", err)
	}
	if _, err := s.RemoveTip(ctx, cy, direct.Number); err != nil {
		t.Fatalf("its saver could not remove it: %v", err)
	}
}

// TestStore_AuthorToldOnCapture: the author of a captured message is told,
// unless they reacted themselves or turned notes off.
func TestStore_AuthorToldOnCapture(t *testing.T) {
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	for i, tc := range []struct{ reactor, author, want string }{
		{"ada", "bob", "U-bob"},
		{"bob", "bob", ""},
		{"ada", "quiet", ""},
	} {
		if tc.author == "quiet" {
			if err := s.SetNotes(context.Background(), p.member(t, "quiet"), false); err != nil {
				t.Fatal(err)
			}
		}
		msg := []string{"M1", "M2", "M3"}[i]
		p.react(t, "e"+msg, tc.reactor, msg, true)
		p.drain(t)
		item := p.queued(t)[0]
		saved, err := s.CompleteCaptures(context.Background(), []knowledge.Captured{{Item: item,
			Message: knowledge.Message{Text: "a tip", AuthorID: "U-" + tc.author, AuthorName: tc.author}}})
		if err != nil || len(saved) != 1 || saved[0].TellAuthor != tc.want {
			t.Fatalf("%s saving %s's message: %+v, %v; want %q told", tc.reactor, tc.author, saved, err, tc.want)
		}
	}
}

// TestStore_TagsAreBounded: a message with hundreds of #words is captured
// with the first MaxTags of them, and a tip that has more tags than that
// (from before the bound) can still be untagged.
func TestStore_TagsAreBounded(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	text := "many"
	for i := range 300 {
		text += fmt.Sprintf(" #t%d", i)
	}
	if got := knowledge.Hashtags(text); len(got) != knowledge.MaxTags {
		t.Fatalf("Hashtags kept %d tags; want %d", len(got), knowledge.MaxTags)
	}
	p.react(t, "e1", "ada", "M1", true)
	p.drain(t)
	tip := p.capture(t, p.queued(t)[0], text, "bob")
	if len(tip.Tags) != knowledge.MaxTags {
		t.Fatalf("captured %d tags; want %d", len(tip.Tags), knowledge.MaxTags)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE tips SET tags = tags || ARRAY['x1', 'x2'] WHERE id = $1`, tip.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.UntagTip(ctx, p.member(t, "ada"), tip.Number, []string{"x1"})
	if err != nil || len(got.Tags) != knowledge.MaxTags+1 {
		t.Fatalf("untag on a tip over the bound = %v, %v; want one tag fewer", got.Tags, err)
	}
	if _, err := s.TagTip(ctx, p.member(t, "ada"), tip.Number, []string{"x3"}); err == nil {
		t.Fatal("a tag was added past the bound")
	}
}
