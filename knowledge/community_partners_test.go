package knowledge_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// partnerStates lists p's partners as "name:state", from p's side.
func partnerStates(t *testing.T, p *practice) []string {
	t.Helper()
	all, err := p.s.Partners(context.Background(), p.member(t, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range all {
		out = append(out, o.NameFrom(p.c)+":"+o.State)
	}
	return out
}

func addPartner(t *testing.T, p, other *practice) knowledge.PartnerChange {
	t.Helper()
	change, err := p.s.AddPartner(context.Background(), p.member(t, "admin"), other.c)
	if err != nil {
		t.Fatal(err)
	}
	return change
}

func TestStore_Partners(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	t.Run("BothSidesAddThenEitherRemoves", func(t *testing.T) {
		a, b := newPractice(t, s, "slack", "TA1"), newPractice(t, s, "discord", "GB1")
		if got := addPartner(t, a, b); got != knowledge.PartnerOfferMade {
			t.Fatalf("first add = %v; want an offer", got)
		}
		if got := addPartner(t, a, b); got != knowledge.PartnerOfferedAlready {
			t.Fatalf("repeated add = %v; want offered already", got)
		}
		if got, want := partnerStates(t, a), []string{"discord:GB1:offered"}; !slices.Equal(got, want) {
			t.Errorf("a's partners = %v; want %v", got, want)
		}
		if got, want := partnerStates(t, b), []string{"slack:TA1:asked"}; !slices.Equal(got, want) {
			t.Errorf("b's partners = %v; want %v", got, want)
		}
		if got := addPartner(t, b, a); got != knowledge.PartnershipBegun {
			t.Fatalf("the other side's add = %v; want the partnership to begin", got)
		}
		if got := addPartner(t, b, a); got != knowledge.PartnersAlready {
			t.Fatalf("add between partners = %v; want partners already", got)
		}
		for _, p := range []*practice{a, b} {
			if got := partnerStates(t, p); len(got) != 1 || !slices.Contains([]string{"discord:GB1:partners", "slack:TA1:partners"}, got[0]) {
				t.Errorf("%s's partners = %v; want the other as a partner", p.c.ExternalID, got)
			}
		}
		change, err := s.RemovePartner(ctx, b.member(t, "admin"), a.c)
		if err != nil || change != knowledge.PartnershipEnded {
			t.Fatalf("remove = %v, %v; want ended", change, err)
		}
		if got := partnerStates(t, a); len(got) != 0 {
			t.Errorf("after b removed a, a still lists %v", got)
		}
	})

	t.Run("RemovingOffers", func(t *testing.T) {
		a, b, c := newPractice(t, s, "slack", "TA2"), newPractice(t, s, "slack", "TB2"), newPractice(t, s, "slack", "TC2")
		addPartner(t, a, b)
		if change, err := s.RemovePartner(ctx, a.member(t, "admin"), b.c); err != nil || change != knowledge.PartnerOfferWithdrawn {
			t.Errorf("withdrawing an offer = %v, %v", change, err)
		}
		addPartner(t, c, a)
		if change, err := s.RemovePartner(ctx, a.member(t, "admin"), c.c); err != nil || change != knowledge.PartnerOfferRefused {
			t.Errorf("refusing an offer = %v, %v", change, err)
		}
		if change, err := s.RemovePartner(ctx, a.member(t, "admin"), c.c); err != nil || change != knowledge.PartnerNone {
			t.Errorf("removing nothing = %v, %v", change, err)
		}
	})

	t.Run("RefusesItselfAndArchived", func(t *testing.T) {
		a := newPractice(t, s, "slack", "TA3")
		var inv *knowledge.InvalidError
		if _, err := s.AddPartner(ctx, a.member(t, "admin"), a.c); !errors.As(err, &inv) {
			t.Errorf("a community added itself: %v", err)
		}
		web, err := s.CreateCommunity(ctx, a.member(t, "admin"), "web", []knowledge.HomeChannel{{ID: "C-web", Name: "web"}})
		if err != nil {
			t.Fatal(err)
		}
		webAdmin, err := s.SeeMember(ctx, web.ID, knowledge.Person{PlatformUserID: "U-admin", DisplayName: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ArchiveCommunity(ctx, webAdmin); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddPartner(ctx, a.member(t, "admin"), web); !errors.Is(err, knowledge.ErrArchived) {
			t.Errorf("an archived community became a partner: %v", err)
		}
		if _, err := s.CommunityAnywhere(ctx, "slack", "TA3", "web"); !errors.Is(err, knowledge.ErrArchived) {
			t.Errorf("CommunityAnywhere(archived) = %v; want ErrArchived", err)
		}
		if _, err := s.CommunityAnywhere(ctx, "slack", "T-nowhere", ""); !errors.Is(err, knowledge.ErrNotFound) {
			t.Errorf("CommunityAnywhere(unknown workspace) = %v; want ErrNotFound", err)
		}
		if n := dbtest.Count(t, s.Pool(), `SELECT count(*) FROM partnerships`); n != 0 {
			t.Errorf("%d partnerships written by refused adds", n)
		}
	})

	t.Run("BothSidesAddAtOnce", func(t *testing.T) {
		a, b := newPractice(t, s, "slack", "TA4"), newPractice(t, s, "slack", "TB4")
		for round := range 10 {
			var mu sync.Mutex
			var changes []knowledge.PartnerChange
			sides := [][2]*practice{{a, b}, {b, a}}
			concurrently(2, func(i int) {
				change, err := s.AddPartner(ctx, sides[i][0].member(t, "admin"), sides[i][1].c)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				changes = append(changes, change)
				mu.Unlock()
			})
			slices.Sort(changes)
			if !slices.Equal(changes, []knowledge.PartnerChange{knowledge.PartnerOfferMade, knowledge.PartnershipBegun}) {
				t.Fatalf("round %d: two sides adding at once were told %v; want one offer and one partnership begun", round, changes)
			}
			if got := partnerStates(t, a); !slices.Equal(got, []string{"slack:TB4:partners"}) {
				t.Fatalf("round %d: a's partners = %v", round, got)
			}
			if _, err := s.RemovePartner(ctx, a.member(t, "admin"), b.c); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("OneSideAddsTenTimesAtOnce", func(t *testing.T) {
		a, b := newPractice(t, s, "slack", "TA5"), newPractice(t, s, "slack", "TB5")
		admin := a.member(t, "admin")
		var mu sync.Mutex
		count := map[knowledge.PartnerChange]int{}
		concurrently(10, func(int) {
			change, err := s.AddPartner(ctx, admin, b.c)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			count[change]++
			mu.Unlock()
		})
		if count[knowledge.PartnerOfferMade] != 1 || count[knowledge.PartnerOfferedAlready] != 9 {
			t.Fatalf("ten adds at once = %v; want one offer and nine told it was made", count)
		}
	})

	t.Run("NameFromMatchesTheCommandLine", func(t *testing.T) {
		here := knowledge.Community{Platform: "slack", ExternalID: "T1", Name: "web"}
		for _, tt := range []struct {
			c    knowledge.Community
			want string
		}{
			{knowledge.Community{Platform: "slack", ExternalID: "T1"}, "default"},
			{knowledge.Community{Platform: "slack", ExternalID: "T1", Name: "frontend"}, "frontend"},
			{knowledge.Community{Platform: "slack", ExternalID: "T2"}, "slack:T2"},
			{knowledge.Community{Platform: "discord", ExternalID: "81", Name: "ops"}, "discord:81/ops"},
			{knowledge.Community{Platform: "console", ExternalID: "console"}, "console"},
			{knowledge.Community{Platform: "console", ExternalID: "console", Name: "frontend"}, "console/frontend"},
		} {
			if got := tt.c.NameFrom(here); got != tt.want {
				t.Errorf("%+v.NameFrom(slack:T1/web) = %q; want %q", tt.c, got, tt.want)
			}
		}
	})
}
