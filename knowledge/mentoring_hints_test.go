package knowledge_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// TestStore_DeclineIsRespected: a mentor who declines is never the one the
// newcomer is introduced to next, whatever makes room: the decline itself,
// the newcomer asking again, the mentor offering again or resuming. The
// answer says why the newcomer waits; only a facilitator pairs them again.
func TestStore_DeclineIsRespected(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	m := newMentoring(t, s, "T-decline")
	m.offer(t, "ada", "testing", 2)
	p := matchedWith(t, m.request(t, "bob", "testing"), "ada")
	res, err := s.DeclinePairing(ctx, m.member(t, "ada"), p.Number)
	if err != nil || res.Rematched != nil || res.Position != 1 || len(res.Paired) != 0 {
		t.Fatalf("decline: %+v, %v; want bob back on the waitlist, introduced to no one", res, err)
	}
	again := m.request(t, "bob", "testing ci")
	if again.Pairing != nil || !again.Updated || again.Offering != 1 || len(again.PairedBefore) != 1 ||
		again.PairedBefore[0].DisplayName != "ada" {
		t.Fatalf("asking again: %+v; want a wait, with ada paired before", again)
	}
	if ch := m.offer(t, "ada", "testing", 3); len(ch.Paired) != 0 {
		t.Fatalf("ada offering again introduced %v", mentees(ch.Paired))
	}
	if _, err := s.PauseMentoring(ctx, m.member(t, "ada"), nil); err != nil {
		t.Fatal(err)
	}
	if ch, err := s.ResumeMentoring(ctx, m.member(t, "ada")); err != nil || len(ch.Paired) != 0 {
		t.Fatalf("ada resuming: %v, %v; want no introduction", mentees(ch.Paired), err)
	}
	// Another mentor who fits takes him; the reason changes with them.
	m.offer(t, "cy", "kubernetes", 1)
	if w := m.request(t, "bob", "testing kubernetes"); w.Pairing == nil || w.Pairing.Mentor.DisplayName != "cy" {
		t.Fatalf("with cy offering: %+v", w)
	}
	// After a decline, only a facilitator brings the two together again.
	m.offer(t, "ed", "rust", 1)
	q := matchedWith(t, m.request(t, "dan", "rust"), "ed")
	if _, err := s.DeclinePairing(ctx, m.member(t, "ed"), q.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PairByHand(ctx, m.member(t, "admin"), m.member(t, "ed"), m.member(t, "dan"), nil, "C1"); err != nil {
		t.Errorf("a facilitator pairing them again: %v", err)
	}
	// Nobody offers: no one was paired before, and no one offers.
	if w := m.request(t, "fay", "haskell"); w.Offering != 0 || w.PairedBefore != nil || w.Position == 0 {
		t.Errorf("a topic nobody offers: %+v", w)
	}
}

func TestStore_RequestWhilePairedSpeaksToTheMember(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	m := newMentoring(t, s, "T-second-person")
	m.offer(t, "ada", "testing", 2)
	p := matchedWith(t, m.request(t, "bob", "testing"), "ada")
	_, err := s.RequestMentor(ctx, m.member(t, "bob"), []string{"testing"}, "C1")
	if err == nil || err.Error() != "Your request already has a mentor: pairing 1 with ada, who hasn't answered the introduction yet. "+
		"To ask for someone else, end that pairing first (`/cop mentor end 1`)." {
		t.Errorf("asking while introduced: %v", err)
	}
	if _, err := s.AcceptPairing(ctx, m.member(t, "ada"), p.Number); err != nil {
		t.Fatal(err)
	}
	_, err = s.RequestMentor(ctx, m.member(t, "bob"), []string{"testing"}, "C1")
	if err == nil || err.Error() != "Your request already has a mentor: pairing 1 with ada. "+
		"To be matched with someone else, end that pairing first (`/cop mentor end 1`)." {
		t.Errorf("asking while paired: %v", err)
	}
	// A facilitator asking for them still reads in the third person.
	_, err = s.PairByHand(ctx, m.member(t, "admin"), m.member(t, "ada"), m.member(t, "bob"), []string{"testing"}, "C1")
	if err == nil || !strings.HasPrefix(err.Error(), "bob already has a mentor: pairing 1 with ada.") {
		t.Errorf("a facilitator pairing a paired member: %v", err)
	}
}

func TestStore_FollowUpDaysAreWholeDays(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T-followup")
	admin := p.member(t, "admin")
	for _, v := range []string{"0.0001", "0.5", "0", "91", "-3", "14d", "1e1"} {
		_, err := s.SetConfig(ctx, admin, "mentor-followup-days", v)
		if err == nil || !strings.Contains(err.Error(), "won't do for the days before a follow-up: give a whole number from 1 to 90, like `14`") {
			t.Errorf("mentor-followup-days %s: %v", v, err)
		}
	}
	for v, want := range map[string]string{"1": "1", "90": "90", "007": "7"} {
		got, err := s.SetConfig(ctx, admin, "mentor-followup-days", v)
		if err != nil || got != want {
			t.Errorf("mentor-followup-days %s: %v, %v; want %s", v, got, err, want)
		}
	}
	// A value stored before whole days were required is still read.
	if got := (knowledge.Config{"mentor-followup-days": "0.5"}).MentorFollowUp(); got != 12*time.Hour {
		t.Errorf("an earlier 0.5 reads as %v", got)
	}
}

// TestStore_TopicsThatCannotBeKeptAreRefused: a topic longer than a tag may
// be, or one made of emoji, is refused with the reason, not cut or dropped.
func TestStore_TopicsThatCannotBeKeptAreRefused(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	ada := p.member(t, "ada")
	long := strings.Repeat("a", knowledge.MaxTagLength+1)
	for _, topics := range [][]string{{"testing", long}, {"🚀", "testing"}} {
		_, err := s.OfferMentoring(ctx, ada, knowledge.MentorOffer{Topics: topics})
		var inv *knowledge.InvalidError
		if !errors.As(err, &inv) || !strings.Contains(inv.Msg, topics[len(topics)-1]) && !strings.Contains(inv.Msg, topics[0]) {
			t.Errorf("offer on %q = %v; want a refusal naming the topic", topics, err)
		}
	}
	st, err := s.MentoringStatus(ctx, ada)
	if err != nil || st.Mentor != nil {
		t.Errorf("a refused offer left %+v, %v", st.Mentor, err)
	}
}
