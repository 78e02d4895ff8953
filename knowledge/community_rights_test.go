package knowledge_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// TestStore_Rights calls every method that checks a right (community_rights.go)
// first as a member who lacks it, who must be refused, then as one who has
// it, who must succeed: the store is the one place rights are checked, so
// this table is the list of them.
func TestStore_Rights(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	// admin is a facilitator (a workspace admin); bob wrote tip 1 and
	// mentors cy; ada owns objective 1.
	admin, ada, bob, cy := p.member(t, "admin"), p.member(t, "ada"), p.member(t, "bob"), p.member(t, "cy")
	tip, err := s.SaveTip(ctx, bob, knowledge.NewTip{Text: "Pin your tool versions", ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.OfferMentoring(ctx, bob, knowledge.MentorOffer{Topics: []string{"testing"}}); err != nil {
		t.Fatal(err)
	}
	due := time.Now().AddDate(0, 3, 0)
	pauseUntil := time.Now().UTC().AddDate(0, 1, 0).Truncate(24 * time.Hour)
	title := "Share five testing tips"
	var pairing int
	// q is a partner, which offered p two tips; r is another community.
	q, r := newPractice(t, s, "slack", "T2"), newPractice(t, s, "slack", "T3")
	if _, err := s.AddPartner(ctx, q.member(t, "admin"), p.c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPartner(ctx, admin, q.c); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Offered tip one", "Offered tip two"} {
		offered, err := s.SaveTip(ctx, q.member(t, "zed"), knowledge.NewTip{Text: text, ChannelID: "C1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.OfferTip(ctx, knowledge.Reader{Member: q.member(t, "zed")}, offered.Number, p.c); err != nil {
			t.Fatal(err)
		}
	}
	guest, err := s.SeeMember(ctx, p.c.ID, knowledge.Person{PlatformUserID: "U-guest", IsGuest: true})
	if err != nil {
		t.Fatal(err)
	}

	for _, r := range []struct {
		right            string
		refused, allowed func() error
	}{
		{"configure", func() error { _, err := s.SetConfig(ctx, ada, "save-emoji", "star"); return err },
			func() error { _, err := s.SetConfig(ctx, admin, "save-emoji", "star"); return err }},
		{"exclude a channel", func() error { _, err := s.SetChannelPolicy(ctx, ada, "C9", "random", "exclude"); return err },
			func() error { _, err := s.SetChannelPolicy(ctx, admin, "C9", "random", "exclude"); return err }},
		{"add a facilitator", func() error { _, err := s.AddFacilitators(ctx, ada, []knowledge.Member{ada}); return err },
			func() error { _, err := s.AddFacilitators(ctx, admin, []knowledge.Member{cy}); return err }},
		{"remove a facilitator", func() error { _, err := s.RemoveFacilitators(ctx, ada, []knowledge.Member{cy}); return err },
			func() error { _, err := s.RemoveFacilitators(ctx, admin, []knowledge.Member{cy}); return err }},
		{"add an objective", func() error {
			_, err := s.AddObjective(ctx, ada, knowledge.NewObjective{Title: title, Target: 5, Due: due})
			return err
		}, func() error {
			_, err := s.AddObjective(ctx, admin, knowledge.NewObjective{Title: title, Target: 5, Due: due, Owner: &ada})
			return err
		}},
		{"edit an objective", func() error {
			_, err := s.EditObjective(ctx, ada, 1, knowledge.ObjectiveEdit{Title: &title})
			return err
		},
			func() error {
				_, err := s.EditObjective(ctx, admin, 1, knowledge.ObjectiveEdit{Title: &title})
				return err
			}},
		{"pause an objective's reminders", func() error { _, err := s.PauseReminders(ctx, bob, 1, &pauseUntil); return err },
			func() error { _, err := s.PauseReminders(ctx, ada, 1, &pauseUntil); return err }},
		{"check in", func() error {
			_, err := s.CheckIn(ctx, bob, 1, knowledge.NewCheckin{Amount: knowledge.Amount{Value: 1, Delta: true}})
			return err
		}, func() error {
			_, err := s.CheckIn(ctx, ada, 1, knowledge.NewCheckin{Amount: knowledge.Amount{Value: 1, Delta: true}})
			return err
		}},
		{"close an objective", func() error { _, err := s.CloseObjective(ctx, ada, 1, knowledge.ObjectiveDropped, true); return err },
			func() error { _, err := s.CloseObjective(ctx, admin, 1, knowledge.ObjectiveDropped, true); return err }},
		{"reopen an objective", func() error { _, err := s.ReopenObjective(ctx, ada, 1); return err },
			func() error { _, err := s.ReopenObjective(ctx, admin, 1); return err }},
		{"remove a tip", func() error { _, err := s.RemoveTip(ctx, ada, tip.Number); return err },
			func() error { _, err := s.RemoveTip(ctx, bob, tip.Number); return err }},
		{"list removed tips", func() error { _, _, err := s.RemovedTips(ctx, ada, 0, 10); return err },
			func() error { _, _, err := s.RemovedTips(ctx, admin, 0, 10); return err }},
		{"restore a tip", func() error { _, err := s.RestoreTip(ctx, ada, tip.Number); return err },
			func() error { _, err := s.RestoreTip(ctx, bob, tip.Number); return err }},
		{"pair by hand", func() error { _, err := s.PairByHand(ctx, ada, bob, cy, []string{"testing"}, "C1"); return err },
			func() error {
				pr, err := s.PairByHand(ctx, admin, bob, cy, []string{"testing"}, "C1")
				pairing = pr.Number
				return err
			}},
		{"read the mentoring overview", func() error { _, err := s.MentoringOverview(ctx, ada); return err },
			func() error { _, err := s.MentoringOverview(ctx, admin); return err }},
		{"read the pulse", func() error { _, err := s.Stats(ctx, ada, knowledge.PeriodMonth, nil); return err },
			func() error { _, err := s.Stats(ctx, admin, knowledge.PeriodMonth, nil); return err }},
		{"read stories", func() error { _, err := s.Stories(ctx, ada, 10); return err },
			func() error { _, err := s.Stories(ctx, admin, 10); return err }},
		{"preview the digest", func() error { _, _, err := s.DigestPreview(ctx, ada); return err },
			func() error { _, _, err := s.DigestPreview(ctx, admin); return err }},
		{"read mentoring feedback", func() error { _, err := s.MentoringFeedback(ctx, ada); return err },
			func() error { _, err := s.MentoringFeedback(ctx, admin); return err }},
		{"add a partner", func() error { _, err := s.AddPartner(ctx, ada, r.c); return err },
			func() error { _, err := s.AddPartner(ctx, admin, r.c); return err }},
		{"remove a partner", func() error { _, err := s.RemovePartner(ctx, ada, r.c); return err },
			func() error { _, err := s.RemovePartner(ctx, admin, r.c); return err }},
		{"list partners", func() error { _, err := s.Partners(ctx, ada); return err },
			func() error { _, err := s.Partners(ctx, admin); return err }},
		{"search partners", func() error {
			_, _, _, err := s.SearchWithPartners(ctx, p.c.ID, knowledge.SearchQuery{Words: "offered", Limit: 10, Reader: knowledge.Reader{Member: guest}})
			return err
		}, func() error {
			_, _, _, err := s.SearchWithPartners(ctx, p.c.ID, knowledge.SearchQuery{Words: "offered", Limit: 10, Reader: knowledge.Reader{Member: ada}})
			return err
		}},
		{"see offered tips", func() error { _, err := s.OffersReceived(ctx, ada); return err },
			func() error { _, err := s.OffersReceived(ctx, admin); return err }},
		{"accept an offered tip", func() error { _, _, err := s.AcceptOffer(ctx, ada, 1); return err },
			func() error { _, _, err := s.AcceptOffer(ctx, admin, 1); return err }},
		{"decline an offered tip", func() error { _, err := s.DeclineOffer(ctx, ada, 2); return err },
			func() error { _, err := s.DeclineOffer(ctx, admin, 2); return err }},
	} {
		if err := r.refused(); !errors.Is(err, knowledge.ErrForbidden) {
			t.Errorf("%s: a member without the right got %v; want ErrForbidden", r.right, err)
		}
		if err := r.allowed(); err != nil {
			t.Errorf("%s: a member with the right got %v", r.right, err)
		}
	}

	// Offering a tip to a partner is every reader's: not a guest's while
	// guests see nothing of the repository.
	if _, _, err := s.OfferTip(ctx, knowledge.Reader{Member: guest}, tip.Number, q.c); !errors.Is(err, knowledge.ErrGuest) {
		t.Errorf("a guest offered a tip: %v", err)
	}
	if _, _, err := s.OfferTip(ctx, knowledge.Reader{Member: cy}, tip.Number, q.c); err != nil {
		t.Errorf("a member could not offer a tip: %v", err)
	}

	// Ending a pairing is its mentor's, its mentee's and facilitators'; to
	// anyone else the answer is the same whether it exists or not.
	var inv *knowledge.InvalidError
	if _, err := s.EndPairing(ctx, ada, &pairing, "", nil); !errors.As(err, &inv) {
		t.Errorf("a member ended someone else's pairing: %v", err)
	}
	if _, err := s.EndPairing(ctx, cy, &pairing, "", nil); err != nil {
		t.Errorf("the mentee could not end their pairing: %v", err)
	}
}
