package knowledge_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

func TestStore_TagProgress(t *testing.T) {
	ctx := context.Background()
	s := newStore(t) // the real clock: tips are stamped by the database
	p := newPractice(t, s, "slack", "T-tags")
	admin := p.member(t, "admin")
	save := func(text string) knowledge.Tip {
		t.Helper()
		tip, err := s.SaveTip(ctx, p.member(t, "ada"), knowledge.NewTip{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return tip
	}
	tipNumbers := func(pr knowledge.Progress) []int {
		var out []int
		for _, e := range pr.Entries {
			if e.TipNumber > 0 {
				out = append(out, e.TipNumber)
			}
		}
		return out
	}

	before := save("Saved before the objective existed #teaching")
	time.Sleep(2 * time.Millisecond)
	ada := p.member(t, "ada")
	p.addObjective(t, knowledge.NewObjective{Title: "Share strategies", Target: 5, Due: date("2099-06-30"), Tag: "teaching", Owner: &ada})
	first := save("Think-pair-share in every lesson #teaching")
	save("Untagged for now: exit tickets")
	p.checkIn(t, "admin", 1, "+1", "a workshop")
	second := save("Peer observation with a checklist #Teaching #observation")
	save("Another tag entirely #testing")

	pr := p.progress(t, 1)
	if pr.Value != 3 || !slices.Equal(tipNumbers(pr), []int{first.Number, second.Number}) {
		t.Fatalf("value %v from tips %v; want 3 with tips %d and %d (not %d, saved before)",
			pr.Value, tipNumbers(pr), first.Number, second.Number, before.Number)
	}
	if e := pr.Entries[0]; e.TipNumber != first.Number || e.Who != "ada" || e.Set || e.Amount != 1 {
		t.Errorf("tip entry = %+v; want +1 by ada for tip %d", e, first.Number)
	}

	t.Run("TaggingLaterCounts", func(t *testing.T) {
		if _, err := s.TagTip(ctx, admin, 3, []string{"teaching"}); err != nil {
			t.Fatal(err)
		}
		if pr := p.progress(t, 1); pr.Value != 4 {
			t.Errorf("value %v after tagging tip 3, want 4", pr.Value)
		}
	})

	t.Run("RemovingATipRemovesItsEntry", func(t *testing.T) {
		if _, err := s.RemoveTip(ctx, admin, first.Number); err != nil {
			t.Fatal(err)
		}
		pr := p.progress(t, 1)
		if pr.Value != 3 || slices.Contains(tipNumbers(pr), first.Number) {
			t.Errorf("value %v, tips %v after removing tip %d; want 3 without it", pr.Value, tipNumbers(pr), first.Number)
		}
		if _, err := s.UntagTip(ctx, admin, second.Number, []string{"teaching"}); err != nil {
			t.Fatal(err)
		}
		if pr := p.progress(t, 1); pr.Value != 2 {
			t.Errorf("value %v after untagging tip %d, want 2", pr.Value, second.Number)
		}
	})

	t.Run("OnlyTagsOfThoseWhoMayCheckInCount", func(t *testing.T) {
		// bob may not check in on ada's objective: his tagged tip and his
		// tag on another's tip count for nothing, until checkin-by anyone.
		bob := p.member(t, "bob")
		before := p.progress(t, 1).Value
		junk, err := s.SaveTip(ctx, bob, knowledge.NewTip{Text: "Junk to push the goal #teaching"})
		if err != nil {
			t.Fatal(err)
		}
		untagged := save("Quiet tip with no tag")
		if _, err := s.TagTip(ctx, bob, untagged.Number, []string{"teaching"}); err != nil {
			t.Fatal(err)
		}
		if pr := p.progress(t, 1); pr.Value != before || slices.Contains(tipNumbers(pr), junk.Number) {
			t.Fatalf("value %v with tips %v after bob's tags; want %v, his tips not counted", pr.Value, tipNumbers(pr), before)
		}
		if _, err := s.SetConfig(ctx, admin, "checkin-by", "anyone"); err != nil {
			t.Fatal(err)
		}
		pr := p.progress(t, 1)
		if pr.Value != before+2 {
			t.Fatalf("value %v with checkin-by anyone; want %v", pr.Value, before+2)
		}
		for _, e := range pr.Entries {
			if e.TipNumber == untagged.Number && e.Who != "bob" {
				t.Errorf("tip %d's entry names %q; want bob, who tagged it", untagged.Number, e.Who)
			}
		}
		if _, err := s.SetConfig(ctx, admin, "checkin-by", "owner"); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{junk.Number, untagged.Number} {
			if _, err := s.RemoveTip(ctx, admin, n); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("TipsSavedAfterClosingDoNotCount", func(t *testing.T) {
		if _, err := s.CloseObjective(ctx, admin, 1, knowledge.ObjectiveDropped, true); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		save("After the objective closed #teaching")
		if pr := p.progress(t, 1); pr.Value != 2 {
			t.Errorf("value %v of a closed objective after a new tip, want 2", pr.Value)
		}
	})

	t.Run("OtherCommunitiesTipsDoNotCount", func(t *testing.T) {
		q := newPractice(t, s, "slack", "T-tags-other")
		q.addObjective(t, knowledge.NewObjective{Title: "Same tag", Target: 5, Due: date("2099-06-30"), Tag: "teaching"})
		save("One more in the first community #teaching")
		if pr := q.progress(t, 1); pr.Value != 0 || len(pr.Entries) != 0 {
			t.Errorf("the other community's objective counts %v from %d entries", pr.Value, len(pr.Entries))
		}
	})
}
