package knowledge_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// mentoring drives the mentoring store for one community of a test.
type mentoring struct {
	*practice
}

func newMentoring(t *testing.T, s *knowledge.Store, id string) *mentoring {
	t.Helper()
	return &mentoring{newPractice(t, s, "slack", id)}
}

func (m *mentoring) offer(t *testing.T, name, topics string, capacity int) knowledge.MentorChange {
	t.Helper()
	res, err := m.s.OfferMentoring(context.Background(), m.member(t, name),
		knowledge.MentorOffer{Topics: strings.Fields(topics), Capacity: &capacity})
	if err != nil {
		t.Fatalf("%s offers %q: %v", name, topics, err)
	}
	return res
}

func (m *mentoring) request(t *testing.T, name, topics string) knowledge.RequestResult {
	t.Helper()
	res, err := m.s.RequestMentor(context.Background(), m.member(t, name), strings.Fields(topics), "C1")
	if err != nil {
		t.Fatalf("%s requests %q: %v", name, topics, err)
	}
	return res
}

// matchedWith asserts that a request was paired with mentor and returns the pairing.
func matchedWith(t *testing.T, res knowledge.RequestResult, mentor string) knowledge.Pairing {
	t.Helper()
	if res.Pairing == nil {
		t.Fatalf("request waits at position %d; want a match with %s", res.Position, mentor)
	}
	if got := res.Pairing.Mentor.DisplayName; got != mentor {
		t.Fatalf("matched with %s (topics %v, %d tips); want %s", got, res.Pairing.Topics, res.Pairing.Expertise, mentor)
	}
	return *res.Pairing
}

func (m *mentoring) end(t *testing.T, name string, number int) knowledge.PairingChange {
	t.Helper()
	res, err := m.s.EndPairing(context.Background(), m.member(t, name), &number, "", nil)
	if err != nil {
		t.Fatalf("%s ends pairing %d: %v", name, number, err)
	}
	return res
}

func TestStore_Matching(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	t.Run("PrefersOverlapAndDemonstratedExpertise", func(t *testing.T) {
		m := newMentoring(t, s, "T-expert")
		m.offer(t, "ada", "testing go", 2)
		m.offer(t, "bob", "#Testing", 2)
		m.offer(t, "cy", "kubernetes", 2)
		// bob wrote two tips on testing and voted for a third; a removed tip
		// and one on another subject do not count.
		for _, text := range []string{"Quarantine flaky tests #ci", "Name tests after the behaviour", "Test the failure path too"} {
			if _, err := s.SaveTip(ctx, m.member(t, "bob"), knowledge.NewTip{Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.RemoveTip(ctx, m.member(t, "bob"), 3); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveTip(ctx, m.member(t, "bob"), knowledge.NewTip{Text: "Keep a runbook for the pager"}); err != nil {
			t.Fatal(err)
		}
		m.react(t, "v1", "bob", "M-eve", true)
		m.drain(t)
		m.capture(t, m.queued(t)[0], "Testing in production needs feature flags", "eve")

		p := matchedWith(t, m.request(t, "newbie", "tests"), "bob")
		if !slices.Equal(p.Topics, []string{"tests"}) || p.Expertise != 3 {
			t.Errorf("reason: topics %v, expertise %d; want [tests] and 3 saved tips", p.Topics, p.Expertise)
		}
		// Two topics in common outweigh a record on one.
		p = matchedWith(t, m.request(t, "second", "go testing"), "ada")
		if !slices.Equal(p.Topics, []string{"go", "testing"}) || p.Expertise != 0 {
			t.Errorf("reason: topics %v, expertise %d; want [go testing] and 0", p.Topics, p.Expertise)
		}
		// No mentor offers the topic: the request waits rather than pairing
		// someone who knows nothing of it.
		if res := m.request(t, "third", "rust"); res.Pairing != nil || res.Position != 1 {
			t.Errorf("a request nobody fits: %+v; want position 1", res)
		}
	})

	t.Run("LoadIsSpread", func(t *testing.T) {
		m := newMentoring(t, s, "T-load")
		m.offer(t, "ada", "testing", 3)
		m.offer(t, "bob", "testing", 3)
		counts := map[string]int{}
		for _, who := range []string{"n1", "n2", "n3", "n4"} {
			res := m.request(t, who, "testing")
			if res.Pairing == nil {
				t.Fatalf("%s waits; want a match", who)
			}
			counts[res.Pairing.Mentor.DisplayName]++
		}
		if counts["ada"] != 2 || counts["bob"] != 2 {
			t.Errorf("mentees per mentor = %v; want 2 and 2", counts)
		}
	})

	t.Run("NoRepeatPairingUnlessByHand", func(t *testing.T) {
		m := newMentoring(t, s, "T-repeat")
		m.offer(t, "ada", "testing", 2)
		first := matchedWith(t, m.request(t, "newbie", "testing"), "ada")
		m.end(t, "newbie", first.Number)
		if res := m.request(t, "newbie", "testing"); res.Pairing != nil {
			t.Fatalf("newbie was paired with %s again", res.Pairing.Mentor.DisplayName)
		}
		// Another mentor takes the waiting request; ada is still not asked.
		change := m.offer(t, "bob", "testing", 1)
		if len(change.Paired) != 1 || change.Paired[0].Mentee.DisplayName != "newbie" {
			t.Fatalf("bob's offer paired %+v; want newbie", change.Paired)
		}
		m.end(t, "bob", change.Paired[0].Number)
		// A facilitator may pair them again on purpose.
		p, err := s.PairByHand(ctx, m.member(t, "admin"), m.member(t, "ada"), m.member(t, "newbie"), []string{"testing"}, "C1")
		if err != nil || p.Mentor.DisplayName != "ada" || p.PairedBy != "admin" {
			t.Fatalf("pair by hand: %+v, %v", p, err)
		}
	})

	t.Run("NeverThemselvesNorPaused", func(t *testing.T) {
		m := newMentoring(t, s, "T-self")
		m.offer(t, "ada", "testing", 2)
		m.offer(t, "bob", "testing", 2)
		if _, err := s.PauseMentoring(ctx, m.member(t, "bob"), nil); err != nil {
			t.Fatal(err)
		}
		if res := m.request(t, "ada", "testing"); res.Pairing != nil {
			t.Fatalf("ada was matched with %s (herself or a paused mentor)", res.Pairing.Mentor.DisplayName)
		}
		change, err := s.ResumeMentoring(ctx, m.member(t, "bob"))
		if err != nil || !change.WasPaused || len(change.Paired) != 1 || change.Paired[0].Mentee.DisplayName != "ada" {
			t.Fatalf("resume: %+v, %v; want bob to take ada's waiting request", change, err)
		}
	})

	t.Run("OneOpenRequestPerMember", func(t *testing.T) {
		m := newMentoring(t, s, "T-open")
		m.request(t, "first", "rust")
		if res := m.request(t, "newbie", "rust"); res.Position != 2 {
			t.Fatalf("position %d, want 2", res.Position)
		}
		res := m.request(t, "newbie", "rust wasm")
		if !res.Updated || res.Position != 2 || !slices.Equal(res.Topics, []string{"rust", "wasm"}) {
			t.Fatalf("asking again: %+v; want the topics updated and place 2 kept", res)
		}
		m.offer(t, "ada", "wasm", 1)
		_, err := s.RequestMentor(ctx, m.member(t, "newbie"), []string{"go"}, "C1")
		var invalid *knowledge.InvalidError
		if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "already has a mentor: pairing 1 with ada") {
			t.Fatalf("asking while paired: %v", err)
		}
	})
}

func TestStore_Waitlist(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	t.Run("DrainsInOrderWhenCapacityAppears", func(t *testing.T) {
		m := newMentoring(t, s, "T-drain")
		for i, who := range []string{"w1", "w2", "w3"} {
			if res := m.request(t, who, "testing"); res.Position != i+1 {
				t.Fatalf("%s at position %d, want %d", who, res.Position, i+1)
			}
		}
		change := m.offer(t, "ada", "tests", 2)
		if got := mentees(change.Paired); !slices.Equal(got, []string{"w1", "w2"}) {
			t.Fatalf("the offer paired %v; want w1 and w2, in order", got)
		}
		st, err := s.MentoringStatus(ctx, m.member(t, "w3"))
		if err != nil || st.Waiting == nil || st.Waiting.Position != 1 {
			t.Fatalf("w3's status: %+v, %v; want position 1", st, err)
		}
		ended := m.end(t, "ada", change.Paired[0].Number)
		if got := mentees(ended.Paired); !slices.Equal(got, []string{"w3"}) {
			t.Fatalf("ending a pairing paired %v; want w3", got)
		}
	})

	t.Run("DeclineRequeuesAtTheOldPosition", func(t *testing.T) {
		m := newMentoring(t, s, "T-decline")
		m.offer(t, "ada", "testing", 1)
		first := matchedWith(t, m.request(t, "r1", "testing"), "ada")
		m.request(t, "r2", "testing")
		m.request(t, "r3", "testing")
		res, err := s.DeclinePairing(ctx, m.member(t, "ada"), first.Number)
		if err != nil {
			t.Fatal(err)
		}
		// r1 is first in line again; ada's freed slot goes to the next
		// request she may take, r2.
		if res.Pairing.State != knowledge.PairingDeclined || res.Rematched != nil || res.Position != 1 {
			t.Fatalf("decline: state %s, rematched %v, position %d; want declined, r1 back at 1",
				res.Pairing.State, res.Rematched, res.Position)
		}
		if got := mentees(res.Paired); !slices.Equal(got, []string{"r2"}) {
			t.Fatalf("the freed slot went to %v; want r2", got)
		}
		change := m.offer(t, "bob", "testing", 1)
		if got := mentees(change.Paired); !slices.Equal(got, []string{"r1"}) {
			t.Fatalf("bob's offer paired %v; want r1, first in line", got)
		}
	})

	t.Run("DeclineTriesTheNextMentorAtOnce", func(t *testing.T) {
		m := newMentoring(t, s, "T-next")
		m.offer(t, "ada", "testing", 1)
		m.offer(t, "bob", "testing", 1)
		first := matchedWith(t, m.request(t, "r1", "testing"), "ada")
		res, err := s.DeclinePairing(ctx, m.member(t, "ada"), first.Number)
		if err != nil || res.Rematched == nil || res.Rematched.Mentor.DisplayName != "bob" {
			t.Fatalf("decline: %+v, %v; want r1 rematched with bob", res, err)
		}
	})

	t.Run("PauseUntilResumesWithTheJob", func(t *testing.T) {
		m := newMentoring(t, s, "T-pause")
		m.offer(t, "ada", "testing", 1)
		until := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 7)
		mentor, err := s.PauseMentoring(ctx, m.member(t, "ada"), &until)
		if err != nil || !mentor.Paused || mentor.PausedUntil == nil || !mentor.PausedUntil.Equal(until) {
			t.Fatalf("pause: %+v, %v", mentor, err)
		}
		m.request(t, "r1", "testing")
		args := knowledge.MentorResumeArgs{CommunityID: m.c.ID, MemberID: m.member(t, "ada").ID, Until: until}
		change, err := s.ResumeDue(ctx, args)
		if err != nil || !change.WasPaused || len(change.Paired) != 1 {
			t.Fatalf("resume job: %+v, %v; want ada resumed and paired with r1", change, err)
		}
		if again, err := s.ResumeDue(ctx, args); err != nil || again.WasPaused || len(again.Paired) != 0 {
			t.Fatalf("the resume job run again: %+v, %v; want nothing done", again, err)
		}
	})
}

func mentees(ps []knowledge.Pairing) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Mentee.DisplayName)
	}
	return out
}

// TestStore_ExpertiseInTheCommunitysLanguage: a mentor's record is read in
// the language the community's tips are stemmed in: in German, the topic
// "Häuser" finds tips about "Haus".
func TestStore_ExpertiseInTheCommunitysLanguage(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	m := newMentoring(t, s, "T-de")
	if _, err := s.SetConfig(ctx, m.member(t, "admin"), "language", "german"); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Alte Häuser zuerst dämmen", "Ein Haus braucht ein Dach"} {
		if _, err := s.SaveTip(ctx, m.member(t, "ada"), knowledge.NewTip{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	m.offer(t, "ada", "Häuser", 2)
	p := matchedWith(t, m.request(t, "neu", "Häuser"), "ada")
	if p.Expertise != 2 {
		t.Errorf("expertise %d; want ada's 2 tips on Haus/Häuser", p.Expertise)
	}
}
