package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// endedPairing makes an accepted pairing of mentor and mentee on testing and ends
// it as ender, with feedback and a rating when given.
func (m *mentoring) endedPairing(t *testing.T, mentor, mentee, ender, feedback string, rating *int) knowledge.Pairing {
	t.Helper()
	ctx := context.Background()
	p := matchedWith(t, m.request(t, mentee, "testing"), mentor)
	if _, err := m.s.AcceptPairing(ctx, m.member(t, mentor), p.Number); err != nil {
		t.Fatal(err)
	}
	res, err := m.s.EndPairing(ctx, m.member(t, ender), &p.Number, feedback, rating)
	if err != nil {
		t.Fatalf("%s ends pairing %d: %v", ender, p.Number, err)
	}
	return res.Pairing
}

// endedAgo moves a pairing's end into the past.
func (m *mentoring) endedAgo(t *testing.T, number int, ago time.Duration) {
	t.Helper()
	_, err := m.s.Pool().Exec(context.Background(), `UPDATE pairings SET closed_at = now() - $3::interval,
			created_at = least(created_at, now() - $3::interval), accepted_at = least(accepted_at, now() - $3::interval)
		WHERE community_id = $1 AND number = $2`, m.c.ID, number, ago.String())
	if err != nil {
		t.Fatal(err)
	}
}

func TestStore_MentoringFeedback(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	t.Run("EachSideKeepsTheirOwn", func(t *testing.T) {
		m := newMentoring(t, s, "T-sides")
		m.offer(t, "ada", "testing", 2)
		p := m.endedPairing(t, "ada", "bob", "bob", "  Ada showed me how to split the suite ", ptr(5))
		if p.Feedback != "Ada showed me how to split the suite" || p.Rating == nil || *p.Rating != 5 {
			t.Fatalf("the ender's feedback = %q %v", p.Feedback, p.Rating)
		}
		// The mentor adds theirs after the end; it is kept apart.
		res, err := s.EndPairing(ctx, m.member(t, "ada"), &p.Number, "Bob was keen", ptr(4))
		if err != nil {
			t.Fatal(err)
		}
		if !res.AlreadyEnded || res.Replaced || res.Feedback == nil || res.Feedback.Side != knowledge.SideMentor ||
			res.Feedback.Text != "Bob was keen" || *res.Feedback.Rating != 4 || len(res.Paired) != 0 {
			t.Fatalf("the mentor's feedback after the end: %+v / %+v", res, res.Feedback)
		}
		// Giving it again changes it: a rating alone keeps the text.
		res, err = s.EndPairing(ctx, m.member(t, "bob"), &p.Number, "", ptr(3))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Replaced || res.Feedback.Text != "Ada showed me how to split the suite" || *res.Feedback.Rating != 3 {
			t.Fatalf("bob's second feedback: %+v", res.Feedback)
		}
		res, err = s.EndPairing(ctx, m.member(t, "bob"), &p.Number, "It went well", nil)
		if err != nil || !res.Replaced || res.Feedback.Text != "It went well" || *res.Feedback.Rating != 3 {
			t.Fatalf("bob's third feedback: %+v, %v", res.Feedback, err)
		}
		r, err := s.MentoringFeedback(ctx, m.member(t, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Ended) != 1 || len(r.Ended[0].Given) != 2 {
			t.Fatalf("report: %+v", r.Ended)
		}
		mentee, mentor := r.Ended[0].Given[0], r.Ended[0].Given[1]
		if mentee.Member.DisplayName != "bob" || mentee.Side != knowledge.SideMentee || mentee.Text != "It went well" ||
			mentor.Member.DisplayName != "ada" || mentor.Text != "Bob was keen" {
			t.Errorf("each side's feedback: %+v / %+v", mentee, mentor)
		}
	})

	t.Run("WindowOfFourteenDays", func(t *testing.T) {
		m := newMentoring(t, s, "T-window")
		m.offer(t, "ada", "testing", 2)
		p := m.endedPairing(t, "ada", "bob", "ada", "", nil)
		m.endedAgo(t, p.Number, 13*24*time.Hour)
		if _, err := s.EndPairing(ctx, m.member(t, "bob"), &p.Number, "Late but kind", nil); err != nil {
			t.Fatalf("feedback on day 14: %v", err)
		}
		_, err := s.EndPairing(ctx, m.member(t, "bob"), &p.Number, "", nil)
		if err == nil || !strings.Contains(err.Error(), "already ended. You can still give feedback on it for 1 more day") {
			t.Errorf("a bare end on day 14: %v", err)
		}
		m.endedAgo(t, p.Number, 15*24*time.Hour)
		_, err = s.EndPairing(ctx, m.member(t, "ada"), &p.Number, "Too late", ptr(4))
		if err == nil || !strings.Contains(err.Error(), "Pairing 1 ended 15 days ago, and feedback is taken for 14 days after a pairing ends: that window has closed.") {
			t.Errorf("feedback after 15 days: %v", err)
		}
		_, err = s.EndPairing(ctx, m.member(t, "ada"), &p.Number, "", nil)
		if err == nil || err.Error() != "Pairing 1 has already ended." {
			t.Errorf("a bare end after the window: %v", err)
		}
	})

	t.Run("OnlyThePairAndFacilitators", func(t *testing.T) {
		m := newMentoring(t, s, "T-who")
		m.offer(t, "ada", "testing", 2)
		p := m.endedPairing(t, "ada", "bob", "bob", "", nil)
		_, err := s.EndPairing(ctx, m.member(t, "cy"), &p.Number, "I heard it went badly", ptr(1))
		if err == nil || !strings.Contains(err.Error(), "You're not in pairing 1") {
			t.Errorf("feedback from outside the pair: %v", err)
		}
		res, err := s.EndPairing(ctx, m.member(t, "admin"), &p.Number, "They asked me to close it", nil)
		if err != nil || res.Feedback.Side != knowledge.SideFacilitator {
			t.Errorf("a facilitator's note: %+v, %v", res.Feedback, err)
		}
	})

	t.Run("WhoReadsWhat", func(t *testing.T) {
		m := newMentoring(t, s, "T-read")
		m.offer(t, "ada", "testing", 2)
		p := m.endedPairing(t, "ada", "bob", "bob", "Ada was patient", ptr(5))
		for _, by := range []string{"ada", "admin"} {
			if _, err := s.EndPairing(ctx, m.member(t, by), &p.Number, by+" wrote this", ptr(4)); err != nil {
				t.Fatal(err)
			}
		}
		read := func(name string) []string {
			st, err := s.MentoringStatus(ctx, m.member(t, name))
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range st.Ended {
				for _, f := range e.Given {
					out = append(out, f.Text)
				}
			}
			return out
		}
		if got := fmt.Sprint(read("ada")); got != "[Ada was patient ada wrote this]" {
			t.Errorf("the mentor reads %s; want the mentee's and their own", got)
		}
		if got := fmt.Sprint(read("bob")); got != "[Ada was patient]" {
			t.Errorf("the mentee reads %s; want only their own", got)
		}
		if got := fmt.Sprint(read("cy")); got != "[]" {
			t.Errorf("an outsider reads %s", got)
		}
		if _, err := s.MentoringFeedback(ctx, m.member(t, "bob")); !errors.Is(err, knowledge.ErrForbidden) {
			t.Errorf("a member read the feedback report: %v", err)
		}
		r, err := s.MentoringFeedback(ctx, m.member(t, "admin"))
		if err != nil || len(r.Ended) != 1 || len(r.Ended[0].Given) != 3 {
			t.Errorf("facilitators read %+v, %v; want every side's", r.Ended, err)
		}
		st, err := s.MentoringStatus(ctx, m.member(t, "ada"))
		if err != nil || st.Rating == nil || st.Rating.Rated != 1 || st.Rating.Average != 5 {
			t.Errorf("the mentor's own rating: %+v, %v", st.Rating, err)
		}
		if st, err := s.MentoringStatus(ctx, m.member(t, "bob")); err != nil || st.Rating != nil {
			t.Errorf("a mentee has a mentor's rating: %+v, %v", st.Rating, err)
		}
	})

	t.Run("AverageByMentorOverAYear", func(t *testing.T) {
		m := newMentoring(t, s, "T-average")
		m.offer(t, "ada", "testing", 3)
		m.offer(t, "cy", "kubernetes", 1)
		m.endedPairing(t, "ada", "m1", "m1", "", ptr(5))
		m.endedPairing(t, "ada", "m2", "m2", "Fine", ptr(4))
		m.endedPairing(t, "ada", "m3", "ada", "", ptr(1)) // the mentor's own rating is not their mentees'
		old := m.endedPairing(t, "ada", "m4", "m4", "", ptr(1))
		m.endedAgo(t, old.Number, 400*24*time.Hour)
		p := matchedWith(t, m.request(t, "m5", "kubernetes"), "cy")
		m.end(t, "cy", p.Number)
		r, err := s.MentoringFeedback(ctx, m.member(t, "admin"))
		if err != nil {
			t.Fatal(err)
		}
		want := "[ada 3 2 4.5 cy 1 0 0]"
		var got []any
		for _, mr := range r.Mentors {
			got = append(got, mr.Mentor.Name(), mr.Ended, mr.Rated, mr.Average)
		}
		if fmt.Sprint(got) != want {
			t.Errorf("mentor ratings = %v, want %s", got, want)
		}
		if r.EndedTotal != 4 || len(r.Ended) != 4 || r.Ended[0].Pairing.Number != p.Number {
			t.Errorf("recent ended pairings: %d, %d, first %d; want 4, newest first", r.EndedTotal, len(r.Ended), r.Ended[0].Pairing.Number)
		}
	})

	t.Run("PairingToEndChangesNothing", func(t *testing.T) {
		m := newMentoring(t, s, "T-confirm")
		m.offer(t, "ada", "testing", 2)
		p := matchedWith(t, m.request(t, "bob", "testing"), "ada")
		got, err := s.PairingToEnd(ctx, m.member(t, "bob"), nil)
		if err != nil || got == nil || got.Number != p.Number || got.State != knowledge.PairingProposed {
			t.Fatalf("the pairing an end means: %+v, %v", got, err)
		}
		if _, err := s.PairingToEnd(ctx, m.member(t, "cy"), &p.Number); err == nil || !strings.Contains(err.Error(), "You're not in pairing 1") {
			t.Errorf("an outsider: %v", err)
		}
		m.request(t, "cy", "rust")
		if got, err := s.PairingToEnd(ctx, m.member(t, "cy"), nil); err != nil || got != nil {
			t.Errorf("a waiting member: %+v, %v; want nothing to confirm (an end withdraws)", got, err)
		}
		m.end(t, "ada", p.Number)
		if _, err := s.PairingToEnd(ctx, m.member(t, "bob"), &p.Number); err == nil || !strings.Contains(err.Error(), "already ended. You can still give feedback") {
			t.Errorf("an ended pairing: %v", err)
		}
	})
}

// TestStore_MentoringFeedbackConcurrently: the feedback insert-or-update,
// run by both sides at once and by one side twice at once: every call
// succeeds, each side keeps one row, and exactly one of two calls by one
// side reports that it replaced the other's.
func TestStore_MentoringFeedbackConcurrently(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	m := newMentoring(t, s, "T-race")
	m.offer(t, "ada", "testing", 20)
	const pairs = 8
	numbers := make([]int, pairs)
	for i := range numbers {
		numbers[i] = m.endedPairing(t, "ada", fmt.Sprintf("m%d", i), "ada", "", nil).Number
	}
	// Each pairing: its mentee twice and its mentor once, all at once.
	type call struct {
		who  string
		pair int
		res  knowledge.PairingChange
		err  error
	}
	calls := make([]call, 0, 3*pairs)
	for i, n := range numbers {
		mentee := fmt.Sprintf("m%d", i)
		calls = append(calls, call{who: mentee, pair: n}, call{who: mentee, pair: n}, call{who: "ada", pair: n})
	}
	members := make([]knowledge.Member, len(calls))
	for i, c := range calls {
		members[i] = m.member(t, c.who)
	}
	concurrently(len(calls), func(i int) {
		c := &calls[i]
		c.res, c.err = s.EndPairing(ctx, members[i], &c.pair, fmt.Sprintf("%s on %d, call %d", c.who, c.pair, i), ptr(1+i%5))
	})
	replaced := map[int]int{}
	for _, c := range calls {
		if c.err != nil {
			t.Fatalf("%s on pairing %d: %v", c.who, c.pair, c.err)
		}
		if c.who != "ada" && c.res.Replaced {
			replaced[c.pair]++
		}
		if c.who == "ada" && c.res.Replaced {
			t.Errorf("the mentor's only feedback on %d says it replaced one", c.pair)
		}
	}
	for _, n := range numbers {
		if replaced[n] != 1 {
			t.Errorf("pairing %d: %d of the mentee's two calls replaced the other; want exactly 1", n, replaced[n])
		}
	}
	var rows, sides int
	err := s.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT (pairing_id, side)) FROM pairing_feedback
		WHERE community_id = $1`, m.c.ID).Scan(&rows, &sides)
	if err != nil || rows != 2*pairs || sides != 2*pairs {
		t.Errorf("feedback rows = %d (%d sides), %v; want %d, one per side", rows, sides, err, 2*pairs)
	}
}
