package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// partners makes a and b partners.
func partners(t *testing.T, a, b *practice) {
	t.Helper()
	addPartner(t, a, b)
	if got := addPartner(t, b, a); got != knowledge.PartnershipBegun {
		t.Fatalf("partnership of %s and %s: %v", a.c.ExternalID, b.c.ExternalID, got)
	}
}

func (p *practice) save(t *testing.T, author, text, channel string) knowledge.Tip {
	t.Helper()
	tip, err := p.s.SaveTip(context.Background(), p.member(t, author), knowledge.NewTip{Text: text, ChannelID: channel})
	if err != nil {
		t.Fatal(err)
	}
	return tip
}

func (p *practice) reader(t *testing.T, name string) knowledge.Reader {
	t.Helper()
	return knowledge.Reader{Member: p.member(t, name)}
}

// searchNames runs a search with partners from p and names each tip found
// as "community#number" in the order found.
func searchNames(t *testing.T, p *practice, words string) []string {
	t.Helper()
	tips, _, partners, err := p.s.SearchWithPartners(context.Background(), p.c.ID,
		knowledge.SearchQuery{Words: words, Limit: 10, Reader: p.reader(t, "ada")})
	if err != nil {
		t.Fatal(err)
	}
	names := map[int64]string{p.c.ID: "here"}
	for _, c := range partners {
		names[c.ID] = c.NameFrom(p.c)
	}
	var out []string
	for _, tip := range tips {
		out = append(out, fmt.Sprintf("%s#%d", names[tip.CommunityID], tip.Number))
	}
	return out
}

func TestStore_SearchWithPartners(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, b, stranger := newPractice(t, s, "slack", "T1"), newPractice(t, s, "slack", "T2"), newPractice(t, s, "slack", "T3")
	a.save(t, "ada", "Quarantine flaky tests and fix one a day", "C1")
	// b's best flaky tip has two votes, so it outranks a's.
	b.react(t, "v1", "bob", "M1", true)
	b.react(t, "v2", "cy", "M1", true)
	b.drain(t)
	b.capture(t, b.queued(t)[0], "Flaky tests: retry once, then quarantine", "bob")
	removed := b.save(t, "bob", "Flaky tests removed by bob", "C1")
	if _, err := s.RemoveTip(ctx, b.member(t, "bob"), removed.Number); err != nil {
		t.Fatal(err)
	}
	b.save(t, "bob", "Flaky tests from the private channel", "C-private")
	b.save(t, "bob", "Flaky tests from the excluded channel", "C-random")
	for channel, policy := range map[string]string{"C-private": "allow", "C-random": "exclude"} {
		if _, err := s.SetChannelPolicy(ctx, b.member(t, "admin"), channel, channel, policy); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SaveTip(ctx, b.member(t, "bob"), knowledge.NewTip{Text: "Flaky tests saved in a DM", ChannelID: "D-bob", Private: true}); err != nil {
		t.Fatal(err)
	}
	stranger.save(t, "sam", "Flaky tests of a stranger", "C1")
	addPartner(t, stranger, a) // an offer only: a never added it back

	if got := searchNames(t, a, "flaky"); !slices.Equal(got, []string{"here#1"}) {
		t.Fatalf("before any partnership a found %v; want its own tip alone", got)
	}
	partners(t, a, b)
	if got, want := searchNames(t, a, "flaky"), []string{"slack:T2#1", "here#1"}; !slices.Equal(got, want) {
		t.Errorf("a found %v; want %v: b's voted tip first, nothing b removed or keeps to itself, nothing of the stranger", got, want)
	}
	if got, want := searchNames(t, b, "quarantine"), []string{"here#1", "slack:T1#1"}; !slices.Equal(got, want) {
		t.Errorf("b found %v; want %v (the same ranking from the other side)", got, want)
	}
	if got := searchNames(t, stranger, "flaky"); !slices.Equal(got, []string{"here#1"}) {
		t.Errorf("the stranger found %v; want its own tip alone", got)
	}

	t.Run("GuestsAndAuthorsStayHome", func(t *testing.T) {
		guest, err := s.SeeMember(ctx, a.c.ID, knowledge.Person{PlatformUserID: "U-guest", IsGuest: true})
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, err = s.SearchWithPartners(ctx, a.c.ID, knowledge.SearchQuery{Words: "flaky", Limit: 10, Reader: knowledge.Reader{Member: guest}})
		if !errors.Is(err, knowledge.ErrPartnersForGuests) {
			t.Errorf("a guest searched partners: %v", err)
		}
		ada := a.member(t, "ada")
		var inv *knowledge.InvalidError
		_, _, _, err = s.SearchWithPartners(ctx, a.c.ID, knowledge.SearchQuery{AuthorID: &ada.ID, Limit: 10, Reader: a.reader(t, "ada")})
		if !errors.As(err, &inv) {
			t.Errorf("from: with partners = %v; want an InvalidError", err)
		}
	})

	t.Run("EndsWithThePartnership", func(t *testing.T) {
		if _, err := s.RemovePartner(ctx, b.member(t, "admin"), a.c); err != nil {
			t.Fatal(err)
		}
		if got := searchNames(t, a, "flaky"); !slices.Equal(got, []string{"here#1"}) {
			t.Errorf("after the partnership ended a found %v", got)
		}
	})
}

func TestStore_ShareOffers(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	pool := s.Pool()
	a, b := newPractice(t, s, "slack", "T1"), newPractice(t, s, "slack", "T2")
	partners(t, a, b)
	a.react(t, "v1", "bob", "M1", true)
	a.drain(t)
	tip := a.capture(t, a.queued(t)[0], "Pin your tool versions #ci", "ada")

	t.Run("OfferedAndAccepted", func(t *testing.T) {
		offer, made, err := s.OfferTip(ctx, a.reader(t, "ada"), tip.Number, b.c)
		if err != nil || !made || offer.Number != 1 || offer.State != knowledge.OfferOpen || offer.Tip.ID != tip.ID {
			t.Fatalf("OfferTip = %+v, %v, %v", offer, made, err)
		}
		if n := dbtest.Count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'share_offer' AND (args->>'to')::bigint = $1`, b.c.ID); n != 1 {
			t.Errorf("%d notice jobs queued with the offer; want 1", n)
		}
		again, made, err := s.OfferTip(ctx, a.reader(t, "cy"), tip.Number, b.c)
		if err != nil || made || again.Number != 1 {
			t.Errorf("offering it again = %+v, %v, %v; want the first offer", again, made, err)
		}
		if _, err := s.OffersReceived(ctx, b.member(t, "bea")); !errors.Is(err, knowledge.ErrForbidden) {
			t.Errorf("a member of b saw its offers: %v", err)
		}
		received, err := s.OffersReceived(ctx, b.member(t, "admin"))
		if err != nil || len(received) != 1 || received[0].From.ID != a.c.ID {
			t.Fatalf("b's offers = %+v, %v", received, err)
		}
		accepted, shared, err := s.AcceptOffer(ctx, b.member(t, "admin"), 1)
		if err != nil {
			t.Fatal(err)
		}
		if accepted.State != knowledge.OfferAccepted || accepted.SharedAs != shared.Number || shared.CommunityID != b.c.ID ||
			!strings.HasSuffix(shared.Text, "\n\nShared from slack:T1 #1") || !strings.HasPrefix(shared.Text, tip.Text) ||
			shared.Permalink != tip.Permalink || !slices.Equal(shared.Tags, []string{"ci"}) || shared.AuthorName != "ada" {
			t.Errorf("accepting made %+v from %+v", shared, accepted)
		}
		var inv *knowledge.InvalidError
		if _, _, err := s.AcceptOffer(ctx, b.member(t, "admin"), 1); !errors.As(err, &inv) || !strings.Contains(inv.Msg, "accepted already") {
			t.Errorf("accepting again = %v", err)
		}
		made2, err := s.OffersMade(ctx, a.member(t, "ada"))
		if err != nil || len(made2) != 1 || made2[0].State != knowledge.OfferAccepted || made2[0].SharedAs != shared.Number {
			t.Errorf("ada's offers = %+v, %v", made2, err)
		}
		if others, err := s.OffersMade(ctx, a.member(t, "cy")); err != nil || len(others) != 0 {
			t.Errorf("cy sees %+v, %v of the offers others made", others, err)
		}
	})

	t.Run("AcceptedTwiceAtOnceMakesOneTip", func(t *testing.T) {
		second := a.save(t, "ada", "Write the runbook before the incident", "C1")
		offer, _, err := s.OfferTip(ctx, a.reader(t, "ada"), second.Number, b.c)
		if err != nil {
			t.Fatal(err)
		}
		before := dbtest.Count(t, pool, `SELECT count(*) FROM tips WHERE community_id = $1`, b.c.ID)
		var ok, told atomic.Int32
		concurrently(10, func(int) {
			_, _, err := s.AcceptOffer(ctx, b.member(t, "admin"), offer.Number)
			var inv *knowledge.InvalidError
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &inv) && strings.Contains(inv.Msg, "accepted already"):
				told.Add(1)
			default:
				t.Errorf("accept: %v", err)
			}
		})
		if ok.Load() != 1 || told.Load() != 9 {
			t.Errorf("ten accepts at once: %d accepted, %d told it was; want 1 and 9", ok.Load(), told.Load())
		}
		if n := dbtest.Count(t, pool, `SELECT count(*) FROM tips WHERE community_id = $1`, b.c.ID); n != before+1 {
			t.Errorf("ten accepts at once made %d tips; want 1", n-before)
		}
	})

	t.Run("OfferedAtOnce", func(t *testing.T) {
		one := a.save(t, "ada", "Keep a changelog for every service", "C1")
		var made atomic.Int32
		numbers := make([]int, 10)
		concurrently(10, func(i int) {
			o, m, err := s.OfferTip(ctx, a.reader(t, "ada"), one.Number, b.c)
			if err != nil {
				t.Error(err)
			}
			if m {
				made.Add(1)
			}
			numbers[i] = o.Number
		})
		distinct := slices.Clone(numbers)
		slices.Sort(distinct)
		if made.Load() != 1 || len(slices.Compact(distinct)) != 1 {
			t.Errorf("one tip offered ten times at once: %d offers made, numbers %v; want one offer", made.Load(), numbers)
		}
		// Ten tips offered at once take ten numbers.
		var tips []knowledge.Tip
		for i := range 10 {
			tips = append(tips, a.save(t, "ada", fmt.Sprintf("Tip number %d of ten", i), "C1"))
		}
		got := make([]int, 10)
		concurrently(10, func(i int) {
			o, _, err := s.OfferTip(ctx, a.reader(t, "ada"), tips[i].Number, b.c)
			if err != nil {
				t.Error(err)
			}
			got[i] = o.Number
		})
		slices.Sort(got)
		if got = slices.Compact(got); len(got) != 10 {
			t.Errorf("ten offers at once took numbers %v; want ten different ones", got)
		}
	})

	t.Run("RefusedWritesNothing", func(t *testing.T) {
		c := newPractice(t, s, "slack", "T3")
		addPartner(t, a, c) // an offer, not a partnership
		private := a.save(t, "ada", "From the private channel", "C-private")
		excluded := a.save(t, "ada", "From the excluded channel", "C-random")
		gone := a.save(t, "ada", "Soon removed", "C1")
		for channel, policy := range map[string]string{"C-private": "allow", "C-random": "exclude"} {
			if _, err := s.SetChannelPolicy(ctx, a.member(t, "admin"), channel, channel, policy); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RemoveTip(ctx, a.member(t, "ada"), gone.Number); err != nil {
			t.Fatal(err)
		}
		guest, err := s.SeeMember(ctx, a.c.ID, knowledge.Person{PlatformUserID: "U-guest", IsGuest: true})
		if err != nil {
			t.Fatal(err)
		}
		offers := dbtest.Count(t, pool, `SELECT count(*) FROM share_offers`)
		jobs := dbtest.Count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'share_offer'`)
		var inv *knowledge.InvalidError
		for _, tt := range []struct {
			name   string
			reader knowledge.Reader
			number int
			to     knowledge.Community
			ok     func(error) bool
		}{
			{"NotAPartner", a.reader(t, "ada"), tip.Number, c.c, func(err error) bool { return errors.Is(err, knowledge.ErrNotPartner) }},
			{"ItsOwnCommunity", a.reader(t, "ada"), tip.Number, a.c, func(err error) bool { return errors.As(err, &inv) }},
			{"PrivateChannel", a.reader(t, "ada"), private.Number, b.c, func(err error) bool { return errors.As(err, &inv) }},
			{"ExcludedChannel", a.reader(t, "ada"), excluded.Number, b.c, func(err error) bool { return errors.As(err, &inv) }},
			{"Removed", a.reader(t, "ada"), gone.Number, b.c, func(err error) bool { return errors.Is(err, knowledge.ErrNotFound) }},
			{"NoSuchTip", a.reader(t, "ada"), 999, b.c, func(err error) bool { return errors.Is(err, knowledge.ErrNotFound) }},
			{"Guest", knowledge.Reader{Member: guest, GuestChannels: []string{"C1"}}, tip.Number, b.c,
				func(err error) bool { return errors.Is(err, knowledge.ErrGuest) }},
		} {
			if _, _, err := s.OfferTip(ctx, tt.reader, tt.number, tt.to); !tt.ok(err) {
				t.Errorf("%s: OfferTip = %v", tt.name, err)
			}
		}
		if n := dbtest.Count(t, pool, `SELECT count(*) FROM share_offers`); n != offers {
			t.Errorf("refused offers wrote %d rows", n-offers)
		}
		if n := dbtest.Count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'share_offer'`); n != jobs {
			t.Errorf("refused offers queued %d jobs", n-jobs)
		}
	})

	t.Run("AcceptRefusedWritesNothing", func(t *testing.T) {
		kept := a.save(t, "ada", "Review dashboards every Monday", "C1")
		later := a.save(t, "ada", "Delete dead feature flags", "C1")
		first, _, err := s.OfferTip(ctx, a.reader(t, "ada"), kept.Number, b.c)
		if err != nil {
			t.Fatal(err)
		}
		second, _, err := s.OfferTip(ctx, a.reader(t, "ada"), later.Number, b.c)
		if err != nil {
			t.Fatal(err)
		}
		tips := dbtest.Count(t, pool, `SELECT count(*) FROM tips WHERE community_id = $1`, b.c.ID)
		if _, err := s.RemoveTip(ctx, a.member(t, "ada"), later.Number); err != nil {
			t.Fatal(err)
		}
		var inv *knowledge.InvalidError
		if _, _, err := s.AcceptOffer(ctx, b.member(t, "admin"), second.Number); !errors.As(err, &inv) {
			t.Errorf("accepting a tip removed since = %v", err)
		}
		if _, _, err := s.AcceptOffer(ctx, b.member(t, "admin"), 9999); !errors.As(err, &inv) {
			t.Errorf("accepting no offer = %v", err)
		}
		if _, err := s.RemovePartner(ctx, a.member(t, "admin"), b.c); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AcceptOffer(ctx, b.member(t, "admin"), first.Number); !errors.As(err, &inv) || !strings.Contains(inv.Msg, "no longer a partner") {
			t.Errorf("accepting after the partnership ended = %v", err)
		}
		if n := dbtest.Count(t, pool, `SELECT count(*) FROM tips WHERE community_id = $1`, b.c.ID); n != tips {
			t.Errorf("refused accepts made %d tips", n-tips)
		}
		if n := dbtest.Count(t, pool, `SELECT count(*) FROM share_offers WHERE community_id = $1 AND number = ANY($2) AND state = 'open'`,
			b.c.ID, []int{first.Number, second.Number}); n != 2 {
			t.Errorf("%d of the two refused offers are still open", n)
		}
		if got, err := s.OffersReceived(ctx, b.member(t, "admin")); err != nil || len(got) != 0 {
			t.Errorf("b still lists %d offers of a former partner: %v", len(got), err)
		}
		if _, err := s.DeclineOffer(ctx, b.member(t, "admin"), first.Number); err != nil {
			t.Errorf("declining an offer of a former partner: %v", err)
		}
		if _, err := s.DeclineOffer(ctx, b.member(t, "admin"), first.Number); !errors.As(err, &inv) || !strings.Contains(inv.Msg, "declined already") {
			t.Errorf("declining twice = %v", err)
		}
		partners(t, a, b)
	})

	t.Run("NoticeClaimedOnce", func(t *testing.T) {
		n := a.save(t, "ada", "Run the game day every quarter", "C1")
		offer, _, err := s.OfferTip(ctx, a.reader(t, "ada"), n.Number, b.c)
		if err != nil {
			t.Fatal(err)
		}
		claimedOnce(t, 10, func() (bool, error) { return s.ClaimShareNotice(ctx, b.c.ID, offer.Number, "U-admin") })
		if err := s.ShareNoticeDelivered(ctx, b.c.ID, offer.Number, "U-admin"); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ClaimShareNotice(ctx, b.c.ID, offer.Number, "U-admin"); ok || err != nil {
			t.Errorf("a delivered notice claimed again: %v, %v", ok, err)
		}
		if ok, err := s.ClaimShareNotice(ctx, b.c.ID, offer.Number, "U-other"); !ok || err != nil {
			t.Fatalf("another facilitator's notice = %v, %v", ok, err)
		}
		if err := s.ReleaseShareNotice(ctx, b.c.ID, offer.Number, "U-other"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeclineOffer(ctx, b.member(t, "admin"), offer.Number); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ClaimShareNotice(ctx, b.c.ID, offer.Number, "U-other"); ok || err != nil {
			t.Errorf("the notice of a declined offer was claimed: %v, %v", ok, err)
		}
	})
}
