package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// linked makes a Slack community and a Discord one, links the Discord one
// into the Slack one, and returns both.
func linked(t *testing.T, s *knowledge.Store, slackID, discordID string) (*practice, *practice) {
	t.Helper()
	ctx := context.Background()
	sl, dc := newPractice(t, s, "slack", slackID), newPractice(t, s, "discord", discordID)
	code, _, err := s.LinkCode(ctx, sl.member(t, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Link(ctx, dc.member(t, "admin"), dc.c, code, "~discord:"+discordID+":U-admin"); err != nil {
		t.Fatal(err)
	}
	return sl, dc
}

// TestStore_LinkRoutesASideIntoItsCommunity: after /cop link, every channel
// of the side's workspace routes to the community it is linked into, with
// Side set; the facilitator who typed the code facilitates it; /cop unlink
// routes the side to itself again.
func TestStore_LinkRoutesASideIntoItsCommunity(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	sl, dc := linked(t, s, "T-link", "G-link")

	got, err := s.HomeOf(ctx, "discord", "G-link", "C7")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != sl.c.ID || got.Side == nil || got.Side.ID != dc.c.ID || got.Platform != "slack" {
		t.Fatalf("a Discord channel routes to %+v (side %+v), want the Slack community %d with side %d", got, got.Side, sl.c.ID, dc.c.ID)
	}
	if home, _ := s.HomeOf(ctx, "slack", "T-link", "C1"); home.ID != sl.c.ID || home.Side != nil {
		t.Errorf("the Slack side routes to %+v", home)
	}
	m, err := s.SeeMember(ctx, sl.c.ID, knowledge.Person{PlatformUserID: "~discord:G-link:U-admin"})
	if err != nil || !m.IsFacilitator {
		t.Errorf("the linking facilitator is %+v, %v; want a facilitator of the linked community", m, err)
	}
	sides, err := s.Sides(ctx, sl.c)
	if err != nil || len(sides) != 1 || sides[0].ID != dc.c.ID {
		t.Errorf("sides = %+v, %v", sides, err)
	}
	side, into, err := s.LinkedSide(ctx, "slack", "T-link", "", "discord", "G-link")
	if err != nil || side.ID != dc.c.ID || into != sl.c.ID {
		t.Errorf("LinkedSide = %+v, %d, %v", side, into, err)
	}

	// An event of the side is held by the Slack community, and settling
	// the Discord server waits for it.
	sl.react(t, "Ev-side", "~discord:G-link:U-bob", "~discord:G-link:M1", true)
	if events, _, err := s.Unsettled(ctx, "discord", "G-link"); err != nil || events != 1 {
		t.Errorf("unsettled events of the Discord server = %d, %v; want the reaction it made", events, err)
	}
	sl.drain(t)

	if err := s.Unlink(ctx, sl.member(t, "ada"), dc.c); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("a member unlinked: %v", err)
	}
	if err := s.Unlink(ctx, sl.member(t, "admin"), dc.c); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.SeeMember(ctx, sl.c.ID, knowledge.Person{PlatformUserID: "~discord:G-link:U-admin"}); m.IsFacilitator {
		t.Error("after unlink the Discord admin still facilitates the Slack community")
	}
	if got, _ := s.HomeOf(ctx, "discord", "G-link", "C7"); got.ID != dc.c.ID || got.Side != nil {
		t.Errorf("after unlink a Discord channel routes to %+v", got)
	}
	var inv *knowledge.InvalidError
	if err := s.Unlink(ctx, sl.member(t, "admin"), dc.c); !errors.As(err, &inv) {
		t.Errorf("unlinking twice: %v", err)
	}
}

// TestStore_LinkRefuses: a code is good once and for 15 minutes, in another
// workspace, by a facilitator, into a community that is not a side itself,
// and only a community with nothing of its own joins.
func TestStore_LinkRefuses(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	sl, dc, other := newPractice(t, s, "slack", "T-ref"), newPractice(t, s, "discord", "G-ref"), newPractice(t, s, "slack", "T-ref2")
	var inv *knowledge.InvalidError

	code, _, err := s.LinkCode(ctx, sl.member(t, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LinkCode(ctx, sl.member(t, "ada")); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("a member got a link code: %v", err)
	}
	if _, err := s.Link(ctx, dc.member(t, "ada"), dc.c, code, "~discord:G-ref:U-ada"); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("a member linked: %v", err)
	}
	if _, err := s.Link(ctx, sl.member(t, "admin"), sl.c, code, "x"); !errors.As(err, &inv) {
		t.Errorf("a code typed where it was made: %v", err)
	}
	if _, err := s.Link(ctx, dc.member(t, "admin"), dc.c, "NOPE-NOPE", "~discord:G-ref:U-admin"); !errors.As(err, &inv) {
		t.Errorf("an unknown code: %v", err)
	}
	// A community in the same workspace is a partner's business.
	fe, err := s.CreateCommunity(ctx, sl.member(t, "admin"), "frontend", []knowledge.HomeChannel{{ID: "C2", Name: "frontend"}})
	if err != nil {
		t.Fatal(err)
	}
	feAdmin, err := s.SeeMember(ctx, fe.ID, knowledge.Person{PlatformUserID: "U-admin", DisplayName: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	code2, _, _ := s.LinkCode(ctx, sl.member(t, "admin"))
	if _, err := s.Link(ctx, feAdmin, fe, code2, "x"); !errors.As(err, &inv) {
		t.Errorf("two communities of one workspace linked: %v", err)
	}

	// A joining community with a tip of its own is refused, and a refused
	// link does not use the code up.
	tipper := other.member(t, "bob")
	if _, err := s.SaveTip(ctx, tipper, knowledge.NewTip{Text: "Pin your tool versions", ChannelID: "C1"}); err != nil {
		t.Fatal(err)
	}
	code3, _, _ := s.LinkCode(ctx, sl.member(t, "admin"))
	if _, err := s.Link(ctx, other.member(t, "admin"), other.c, code3, "~slack:T-ref2:U-admin"); !errors.As(err, &inv) {
		t.Errorf("a community with a tip joined another: %v", err)
	}
	if _, err := s.Link(ctx, dc.member(t, "admin"), dc.c, code3, "~discord:G-ref:U-admin"); err != nil {
		t.Errorf("a code refused for one community is used up: %v", err)
	}
	// Used once.
	if _, err := s.Link(ctx, other.member(t, "admin"), other.c, code3, "~slack:T-ref2:U-admin"); !errors.As(err, &inv) {
		t.Errorf("a code was used twice: %v", err)
	}
	// A community with a partner does not join: its partnerships would stop.
	withPartner := newPractice(t, s, "discord", "G-ref4")
	if _, err := s.AddPartner(ctx, withPartner.member(t, "admin"), other.c); err != nil {
		t.Fatal(err)
	}
	code6, _, _ := s.LinkCode(ctx, sl.member(t, "admin"))
	if _, err := s.Link(ctx, withPartner.member(t, "admin"), withPartner.c, code6, "~discord:G-ref4:U-admin"); !errors.As(err, &inv) ||
		!strings.Contains(err.Error(), "partner") {
		t.Errorf("a community with a partner joined a link: %v", err)
	}
	// A person's code is not a community's.
	me, _, _ := s.LinkMeCode(ctx, sl.member(t, "ada"))
	f4 := newPractice(t, s, "discord", "G-fresh4")
	if _, err := s.Link(ctx, f4.member(t, "admin"), f4.c, me, "x"); !errors.As(err, &inv) || !strings.Contains(err.Error(), "link me") {
		t.Errorf("a person's code typed as a community's: %v", err)
	}
	// A side cannot take sides, nor be linked again.
	code4, _, _ := s.LinkCode(ctx, other.member(t, "admin"))
	if _, err := s.Link(ctx, dc.member(t, "admin"), dc.c, code4, "x"); !errors.As(err, &inv) {
		t.Errorf("a side was linked again: %v", err)
	}
	// Expired after 15 minutes.
	code5, _, _ := s.LinkCode(ctx, sl.member(t, "admin"))
	now = now.Add(knowledge.LinkCodeTTL + time.Second)
	fresh := newPractice(t, s, "discord", "G-ref3")
	if _, err := s.Link(ctx, fresh.member(t, "admin"), fresh.c, code5, "~discord:G-ref3:U-admin"); !errors.As(err, &inv) {
		t.Errorf("an expired code linked: %v", err)
	}
}

// TestStore_LinkAtOnce: one code typed in several communities at once links
// one of them; two communities linking into each other at once make no
// chain (one links, the other is told).
func TestStore_LinkAtOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for round := range 5 {
		sl := newPractice(t, s, "slack", "T-once"+string(rune('a'+round)))
		code, _, err := s.LinkCode(ctx, sl.member(t, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		var linkedN atomic.Int32
		concurrently(6, func(i int) {
			dc := newPractice(t, s, "discord", "G-once"+string(rune('a'+round))+string(rune('0'+i)))
			_, err := s.Link(ctx, dc.member(t, "admin"), dc.c, code, "~x")
			var inv *knowledge.InvalidError
			switch {
			case err == nil:
				linkedN.Add(1)
			case !errors.As(err, &inv):
				t.Errorf("link: %v", err)
			}
		})
		if linkedN.Load() != 1 {
			t.Fatalf("round %d: one code linked %d communities", round, linkedN.Load())
		}

		a, b := newPractice(t, s, "slack", "T-chain"+string(rune('a'+round))), newPractice(t, s, "discord", "G-chain"+string(rune('a'+round)))
		codeA, _, _ := s.LinkCode(ctx, a.member(t, "admin"))
		codeB, _, _ := s.LinkCode(ctx, b.member(t, "admin"))
		var ok atomic.Int32
		concurrently(2, func(i int) {
			var err error
			if i == 0 {
				_, err = s.Link(ctx, a.member(t, "admin"), a.c, codeB, "~a")
			} else {
				_, err = s.Link(ctx, b.member(t, "admin"), b.c, codeA, "~b")
			}
			var inv *knowledge.InvalidError
			if err == nil {
				ok.Add(1)
			} else if !errors.As(err, &inv) {
				t.Errorf("link: %v", err)
			}
		})
		if ok.Load() != 1 {
			t.Fatalf("round %d: %d of two crossed links succeeded; want 1", round, ok.Load())
		}
	}
}

// TestStore_LinkMe: a person's accounts on two sides become one person,
// once, also when both codes are typed at once.
func TestStore_LinkMe(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	sl, _ := linked(t, s, "T-me", "G-me")
	ada := sl.member(t, "ada")
	adaDiscord, err := s.SeeMember(ctx, sl.c.ID, knowledge.Person{PlatformUserID: "~discord:G-me:U-ada", DisplayName: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	code, _, err := s.LinkMeCode(ctx, ada)
	if err != nil {
		t.Fatal(err)
	}
	var inv *knowledge.InvalidError
	if _, err := s.LinkMe(ctx, ada, code); !errors.As(err, &inv) {
		t.Errorf("own code accepted: %v", err)
	}
	var done atomic.Int32
	concurrently(4, func(int) {
		var refused *knowledge.InvalidError
		if other, err := s.LinkMe(ctx, adaDiscord, code); err == nil {
			done.Add(1)
			if other.ID != ada.ID {
				t.Errorf("linked to %+v", other)
			}
		} else if !errors.As(err, &refused) {
			t.Errorf("link me: %v", err)
		}
	})
	if done.Load() != 1 {
		t.Fatalf("one code linked %d times", done.Load())
	}
	if same, err := s.SamePerson(ctx, sl.c.ID, ada.ID, adaDiscord.ID); err != nil || !same {
		t.Errorf("SamePerson = %v, %v", same, err)
	}
	if same, _ := s.SamePerson(ctx, sl.c.ID, ada.ID, sl.member(t, "bob").ID); same {
		t.Error("ada and bob are one person")
	}
	// One person is never their own mentor, and counts once.
	if _, err := s.OfferMentoring(ctx, ada, knowledge.MentorOffer{Topics: []string{"testing"}}); err != nil {
		t.Fatal(err)
	}
	res, err := s.RequestMentor(ctx, adaDiscord, []string{"testing"}, "C1")
	if err != nil || res.Pairing != nil || res.Offering != 0 {
		t.Errorf("ada's Discord account asked for a mentor: %+v, %v; want no pairing and no mentor offering", res, err)
	}
	if res, err := s.RequestMentor(ctx, sl.member(t, "bob"), []string{"testing"}, "C1"); err != nil || res.Pairing == nil {
		t.Errorf("bob asked for a mentor: %+v, %v; want ada", res, err)
	}

	for i, m := range []knowledge.Member{ada, adaDiscord, sl.member(t, "bob")} {
		if _, err := s.SaveTip(ctx, m, knowledge.NewTip{Text: "Tip " + string(rune('a'+i)), ChannelID: "C1"}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.Stats(ctx, sl.member(t, "admin"), knowledge.PeriodMonth, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.ActiveMembers.Now != 2 {
		t.Errorf("active members = %d; want 2: ada's two accounts count once, and bob", st.ActiveMembers.Now)
	}

	code2, _, _ := s.LinkMeCode(ctx, ada)
	if _, err := s.LinkMe(ctx, adaDiscord, code2); !errors.As(err, &inv) {
		t.Errorf("linking linked accounts again: %v", err)
	}

	// Two people of one workspace are never one person, and a community
	// code is not a person's.
	code3, _, _ := s.LinkMeCode(ctx, sl.member(t, "bob"))
	if _, err := s.LinkMe(ctx, sl.member(t, "cy"), code3); !errors.As(err, &inv) {
		t.Errorf("two Slack accounts were linked as one person: %v", err)
	}
	community, _, _ := s.LinkCode(ctx, sl.member(t, "admin"))
	if _, err := s.LinkMe(ctx, adaDiscord, community); !errors.As(err, &inv) || !strings.Contains(err.Error(), "/cop link`") {
		t.Errorf("a community code typed as a person's: %v", err)
	}

	// Undone, ada's accounts count twice again.
	if undone, err := s.UnlinkMe(ctx, adaDiscord); err != nil || !undone {
		t.Fatalf("UnlinkMe = %v, %v", undone, err)
	}
	if same, _ := s.SamePerson(ctx, sl.c.ID, ada.ID, adaDiscord.ID); same {
		t.Error("after UnlinkMe ada's accounts are one person")
	}
	if undone, _ := s.UnlinkMe(ctx, adaDiscord); undone {
		t.Error("UnlinkMe undid something twice")
	}
}

// TestStore_ArchiveKeepsSides: a community other workspaces are linked into
// is not archived from under them.
func TestStore_ArchiveKeepsSides(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	sl, dc := newPractice(t, s, "slack", "T-arch"), newPractice(t, s, "discord", "G-arch")
	fe, err := s.CreateCommunity(ctx, sl.member(t, "admin"), "frontend", []knowledge.HomeChannel{{ID: "C2", Name: "frontend"}})
	if err != nil {
		t.Fatal(err)
	}
	feAdmin, err := s.SeeMember(ctx, fe.ID, knowledge.Person{PlatformUserID: "U-admin", DisplayName: "admin", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	code, _, err := s.LinkCode(ctx, feAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Link(ctx, dc.member(t, "admin"), dc.c, code, "~discord:G-arch:U-admin"); err != nil {
		t.Fatal(err)
	}
	var inv *knowledge.InvalidError
	if _, err := s.ArchiveCommunity(ctx, feAdmin); !errors.As(err, &inv) {
		t.Fatalf("a community with a linked side was archived: %v", err)
	}
	if err := s.Unlink(ctx, feAdmin, dc.c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ArchiveCommunity(ctx, feAdmin); err != nil {
		t.Errorf("archive after unlink: %v", err)
	}
}

// TestStore_LinkMakesAFacilitatorAtOnce: the linking facilitator becomes a
// facilitator of the linked community while another facilitator makes
// them one too: both succeed, once.
func TestStore_LinkMakesAFacilitatorAtOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for round := range 5 {
		sl := newPractice(t, s, "slack", fmt.Sprintf("T-fac%d", round))
		dc := newPractice(t, s, "discord", fmt.Sprintf("G-fac%d", round))
		qualified := fmt.Sprintf("~discord:G-fac%d:U-admin", round)
		them, err := s.SeeMember(ctx, sl.c.ID, knowledge.Person{PlatformUserID: qualified, DisplayName: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		code, _, err := s.LinkCode(ctx, sl.member(t, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		concurrently(2, func(i int) {
			var err error
			if i == 0 {
				_, err = s.Link(ctx, dc.member(t, "admin"), dc.c, code, qualified)
			} else {
				_, err = s.AddFacilitators(ctx, sl.member(t, "admin"), []knowledge.Member{them})
			}
			if err != nil {
				t.Errorf("round %d, caller %d: %v", round, i, err)
			}
		})
		if m, err := s.MemberByPlatformID(ctx, sl.c.ID, qualified); err != nil || !m.IsFacilitator {
			t.Fatalf("round %d: %+v, %v; want a facilitator", round, m, err)
		}
	}
}
