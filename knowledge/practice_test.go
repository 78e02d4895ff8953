package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/copbot/copbot/knowledge"
)

// practice is a community with members, for practice repository tests.
type practice struct {
	s       *knowledge.Store
	c       knowledge.Community
	members map[string]knowledge.Member
}

func newPractice(t *testing.T, s *knowledge.Store, platform, id string) *practice {
	t.Helper()
	c, err := s.Community(context.Background(), platform, id)
	if err != nil {
		t.Fatal(err)
	}
	return &practice{s: s, c: c, members: map[string]knowledge.Member{}}
}

func (p *practice) member(t *testing.T, name string) knowledge.Member {
	t.Helper()
	if m, ok := p.members[name]; ok {
		return m
	}
	m, err := p.s.SeeMember(context.Background(), p.c.ID, knowledge.Person{PlatformUserID: "U-" + name, DisplayName: name, IsAdmin: name == "admin"})
	if err != nil {
		t.Fatal(err)
	}
	p.members[name] = m
	return m
}

func (p *practice) react(t *testing.T, event, voter, message string, added bool) knowledge.ReactionResult {
	t.Helper()
	res, err := p.s.RecordReaction(context.Background(), knowledge.Reaction{
		EventID: event, Voter: p.member(t, voter), Added: added,
		Capture: knowledge.CaptureArgs{CommunityID: p.c.ID, ChannelID: "C1", MessageID: message, ReactorID: "U-" + voter},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// capture completes a tip the way the capture job does.
func (p *practice) capture(t *testing.T, tipID int64, text, author string) knowledge.Tip {
	t.Helper()
	tip, err := p.s.CompleteCapture(context.Background(), knowledge.CaptureArgs{CommunityID: p.c.ID, TipID: tipID},
		knowledge.Message{Text: text, AuthorID: "U-" + author, AuthorName: author, Permalink: "https://example.com/" + text[:3]})
	if err != nil {
		t.Fatal(err)
	}
	return tip
}

func (p *practice) tip(t *testing.T, number int) knowledge.Tip {
	t.Helper()
	tip, err := p.s.Tip(context.Background(), p.c.ID, number)
	if err != nil {
		t.Fatal(err)
	}
	return tip
}

func TestStore_RecordReaction(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	t.Run("TenDuplicateDeliveriesMakeOneTip", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-dup")
		var queued int
		var tipID int64
		for range 10 {
			res := p.react(t, "Ev1", "ada", "M1", true)
			if res.Queued {
				queued++
				tipID = res.TipID
			}
		}
		// The same person reacting again under new event ids is still one vote.
		for i := range 3 {
			p.react(t, fmt.Sprintf("Ev-again-%d", i), "ada", "M1", true)
		}
		if queued != 1 {
			t.Fatalf("%d captures queued, want 1", queued)
		}
		tip := p.capture(t, tipID, "Rotate the on-call weekly", "bob")
		if tip.Number != 1 || tip.Votes != 1 {
			t.Fatalf("tip = number %d with %d votes, want number 1 with 1 vote", tip.Number, tip.Votes)
		}
		if again := p.capture(t, tipID, "Rotate the on-call weekly", "bob"); again.Number != 1 {
			t.Fatalf("a retried capture renumbered the tip: %d", again.Number)
		}
	})

	t.Run("ConcurrentReactorsMakeOneTipWithEveryVote", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-race")
		const reactors = 20
		for i := range reactors {
			p.member(t, fmt.Sprintf("m%d", i))
		}
		var wg sync.WaitGroup
		results := make([]knowledge.ReactionResult, reactors)
		errs := make([]error, reactors)
		for i := range reactors {
			wg.Go(func() {
				results[i], errs[i] = s.RecordReaction(ctx, knowledge.Reaction{
					EventID: fmt.Sprintf("E%d", i), Voter: p.members[fmt.Sprintf("m%d", i)], Added: true,
					Capture: knowledge.CaptureArgs{CommunityID: p.c.ID, ChannelID: "C1", MessageID: "M-hot"},
				})
			})
		}
		wg.Wait()
		queued := 0
		for i := range reactors {
			if errs[i] != nil {
				t.Fatalf("reactor %d: %v", i, errs[i])
			}
			if results[i].Queued {
				queued++
			}
			if results[i].TipID != results[0].TipID {
				t.Fatalf("reactors voted on different tips: %d and %d", results[i].TipID, results[0].TipID)
			}
		}
		tip := p.capture(t, results[0].TipID, "Write the test first", "ada")
		if queued != 1 || tip.Votes != reactors {
			t.Fatalf("%d captures queued, %d votes; want 1 and %d", queued, tip.Votes, reactors)
		}
	})

	t.Run("LastVoteHidesAndANewOneRestores", func(t *testing.T) {
		p := newPractice(t, s, "discord", "G-votes")
		res := p.react(t, "a1", "ada", "M1", true)
		p.react(t, "a2", "bob", "M1", true)
		tip := p.capture(t, res.TipID, "Keep a decision log", "cy")
		p.react(t, "r1", "ada", "M1", false)
		p.react(t, "r1", "ada", "M1", false) // a duplicate removal changes nothing
		if got := p.tip(t, tip.Number); got.Votes != 1 || got.RemovedAt != nil {
			t.Fatalf("after one removal: %d votes, removed %v; want 1 vote, visible", got.Votes, got.RemovedAt)
		}
		p.react(t, "r2", "bob", "M1", false)
		if got := p.tip(t, tip.Number); got.Votes != 0 || got.RemovedReason != "unvoted" {
			t.Fatalf("after every removal: %d votes, reason %q; want 0, unvoted", got.Votes, got.RemovedReason)
		}
		if tips, _, _ := s.Tips(ctx, p.c.ID, knowledge.BrowseTop, "", 0, 10); len(tips) != 0 {
			t.Fatalf("browse shows %d tips, want the unvoted one hidden", len(tips))
		}
		if res := p.react(t, "a3", "cy", "M1", true); res.Queued {
			t.Fatal("a restoring vote queued a second capture")
		}
		if got := p.tip(t, tip.Number); got.Votes != 1 || got.RemovedAt != nil {
			t.Fatalf("after a new vote: %d votes, removed %v; want restored with 1 vote", got.Votes, got.RemovedAt)
		}
	})

	t.Run("BotMessagesAreNeverTips", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-bot")
		res := p.react(t, "b1", "ada", "M-bot", true)
		_, err := s.CompleteCapture(ctx, knowledge.CaptureArgs{CommunityID: p.c.ID, TipID: res.TipID},
			knowledge.Message{Text: "Deploy finished", AuthorID: "B1", AuthorBot: true})
		if !errors.Is(err, knowledge.ErrBotMessage) {
			t.Fatalf("err = %v, want ErrBotMessage", err)
		}
		if _, err := s.Tip(ctx, p.c.ID, 1); !errors.Is(err, knowledge.ErrNotFound) {
			t.Fatalf("a bot message became tip 1 (%v)", err)
		}
		bot, _ := s.SeeMember(ctx, p.c.ID, knowledge.Person{PlatformUserID: "B2", IsBot: true})
		r, err := s.RecordReaction(ctx, knowledge.Reaction{EventID: "b2", Voter: bot, Added: true,
			Capture: knowledge.CaptureArgs{CommunityID: p.c.ID, ChannelID: "C1", MessageID: "M2"}})
		if err != nil || r.Ignored != knowledge.IgnoredBot {
			t.Fatalf("a bot's reaction: %+v, %v; want ignored", r, err)
		}
	})

	t.Run("ExcludedAndPrivateChannels", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-chan")
		admin := p.member(t, "admin")
		if err := s.SetChannelPolicy(ctx, p.member(t, "ada"), "C-x", "exclude"); !errors.Is(err, knowledge.ErrForbidden) {
			t.Fatalf("a member set a channel policy: %v", err)
		}
		if err := s.SetChannelPolicy(ctx, admin, "C-x", "exclude"); err != nil {
			t.Fatal(err)
		}
		react := func(event, channel string, private bool) knowledge.ReactionResult {
			r, err := s.RecordReaction(ctx, knowledge.Reaction{EventID: event, Voter: admin, Added: true, Private: private,
				Capture: knowledge.CaptureArgs{CommunityID: p.c.ID, ChannelID: channel, MessageID: event}})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := react("x1", "C-x", false); r.Ignored != knowledge.IgnoredExcluded {
			t.Errorf("excluded channel: %+v", r)
		}
		if r := react("p1", "G-p", true); r.Ignored != knowledge.IgnoredPrivate {
			t.Errorf("private channel: %+v", r)
		}
		if err := s.SetChannelPolicy(ctx, admin, "G-p", "allow"); err != nil {
			t.Fatal(err)
		}
		if r := react("p2", "G-p", true); !r.Queued {
			t.Errorf("allowed private channel: %+v, want a capture", r)
		}
	})
}

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
		res := p.react(t, "v1", "cy", "M-votes", true)
		voted := p.capture(t, res.TipID, "Flaky tests hide real bugs", "cy")
		p.react(t, "v2", "dee", "M-votes", true)
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
