package knowledge_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/copbot/copbot/knowledge"
)

func TestStore_Search(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	other := newPractice(t, s, "slack", "T2")
	save := func(p *practice, author, text string) knowledge.Tip {
		tip, err := s.SaveTip(ctx, p.member(t, author), knowledge.NewTip{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return tip
	}
	flaky := save(p, "ada", "Quarantine flaky tests and fix one a day #ci")
	review := save(p, "bob", "Review code in pairs on Fridays")
	save(p, "bob", "Testing in production needs feature flags")
	save(other, "ada", "Flaky tests in the other workspace")

	numbers := func(q knowledge.SearchQuery) []int {
		t.Helper()
		q.Limit = 10
		tips, _, err := s.Search(ctx, p.c.ID, q)
		if err != nil {
			t.Fatalf("Search(%+v): %v", q, err)
		}
		var n []int
		for _, tip := range tips {
			n = append(n, tip.Number)
		}
		slices.Sort(n)
		return n
	}
	ada := p.member(t, "ada")
	tests := []struct {
		name string
		q    knowledge.SearchQuery
		want []int
	}{
		{"ByStem", knowledge.SearchQuery{Words: "testing"}, []int{1, 3}},
		{"AllWords", knowledge.SearchQuery{Words: "flaky test"}, []int{1}},
		{"ByTagAlone", knowledge.SearchQuery{Tags: []string{"CI"}}, []int{1}},
		{"TagWordsMatchToo", knowledge.SearchQuery{Words: "ci"}, []int{1}},
		{"ByAuthor", knowledge.SearchQuery{AuthorID: &ada.ID}, []int{1}},
		{"Phrase", knowledge.SearchQuery{Words: `"in pairs"`}, []int{review.Number}},
		{"Excluding", knowledge.SearchQuery{Words: "tests -flaky"}, []int{3}},
		{"NoMatch", knowledge.SearchQuery{Words: "kubernetes"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := numbers(tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("got tips %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("OtherCommunityIsNotSearched", func(t *testing.T) {
		tips, _, err := s.Search(ctx, other.c.ID, knowledge.SearchQuery{Words: "flaky", Limit: 10})
		if err != nil || len(tips) != 1 || tips[0].CommunityID != other.c.ID || tips[0].Number != 1 {
			t.Fatalf("other community's search = %+v, %v", tips, err)
		}
	})
	t.Run("VotesLiftAMatch", func(t *testing.T) {
		p.react(t, "v1", "cy", "M-votes", true)
		p.drain(t)
		voted := p.capture(t, p.queued(t)[0], "Flaky tests hide real bugs", "cy")
		p.react(t, "v2", "dee", "M-votes", true)
		p.drain(t)
		tips, _, err := s.Search(ctx, p.c.ID, knowledge.SearchQuery{Words: "flaky", Limit: 10})
		if err != nil || len(tips) != 2 || tips[0].Number != voted.Number {
			t.Fatalf("search = %+v, %v; want the voted tip %d first", tips, err, voted.Number)
		}
	})
	t.Run("HelpfulErrors", func(t *testing.T) {
		for _, words := range []string{"", "x", "the and of"} {
			var inv *knowledge.InvalidError
			if _, _, err := s.Search(ctx, p.c.ID, knowledge.SearchQuery{Words: words, Limit: 10}); !errors.As(err, &inv) {
				t.Errorf("Search(%q) err = %v, want an InvalidError", words, err)
			}
		}
	})
	t.Run("RemovedTipsAreNotFound", func(t *testing.T) {
		if _, err := s.RemoveTip(ctx, p.member(t, "bob"), flaky.Number); !errors.Is(err, knowledge.ErrForbidden) {
			t.Fatalf("bob removed ada's tip: %v", err)
		}
		if _, err := s.RemoveTip(ctx, ada, flaky.Number); err != nil {
			t.Fatal(err)
		}
		if got := numbers(knowledge.SearchQuery{Words: "quarantine"}); len(got) != 0 {
			t.Fatalf("removed tip still found: %v", got)
		}
	})
}

func TestStore_ExportImport(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	for _, text := range []string{"Pin the flaky tests #testing", "Write runbooks #ops", "Gone soon"} {
		if _, err := s.SaveTip(ctx, p.member(t, "ada"), knowledge.NewTip{Text: text, ChannelName: "general"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RemoveTip(ctx, p.member(t, "ada"), 3); err != nil {
		t.Fatal(err)
	}
	visible, err := s.ExportTips(ctx, p.c.ID, false)
	if err != nil || len(visible) != 2 {
		t.Fatalf("export = %d tips, %v; want 2 (the removed one excluded)", len(visible), err)
	}
	all, _ := s.ExportTips(ctx, p.c.ID, true)
	if len(all) != 3 {
		t.Fatalf("export --include-removed = %d tips, want 3", len(all))
	}

	dest := newStore(t) // another database
	d := newPractice(t, dest, "slack", "T1")
	for range 2 {
		if _, err := dest.ImportTips(ctx, d.c.ID, visible); err != nil {
			t.Fatal(err)
		}
	}
	again, _ := dest.ExportTips(ctx, d.c.ID, true)
	if len(again) != 2 || again[0].Text != visible[0].Text || !slices.Equal(again[0].Tags, []string{"testing"}) ||
		again[0].Author != "ada" || again[0].Channel != "general" {
		t.Fatalf("round trip = %+v, want %+v", again, visible)
	}
	next, err := dest.SaveTip(ctx, d.member(t, "bob"), knowledge.NewTip{Text: "A new tip after import"})
	if err != nil || next.Number != 3 {
		t.Fatalf("next tip after import = %d, %v; want number 3", next.Number, err)
	}
	bad := []knowledge.ExportedTip{{Number: 9, Text: "fine tip"}, {Number: 10, Text: ""}}
	var inv *knowledge.InvalidError
	if _, err := dest.ImportTips(ctx, d.c.ID, bad); !errors.As(err, &inv) {
		t.Fatalf("bad import err = %v, want InvalidError", err)
	}
	if _, err := dest.Tip(ctx, d.c.ID, 9); !errors.Is(err, knowledge.ErrNotFound) {
		t.Fatal("a rejected import wrote tip 9")
	}
}

func (p *practice) tip(t *testing.T, number int) knowledge.Tip {
	t.Helper()
	tip, err := p.s.Tip(context.Background(), p.c.ID, number)
	if err != nil {
		t.Fatal(err)
	}
	return tip
}
