package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// TestStore_ConcurrentRequests sends 50 requests at once against 10 free
// slots: exactly 10 pairings, no mentor over capacity, and a waitlist of 40
// in the order the requests were taken, each told its true place.
func TestStore_ConcurrentRequests(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 60 // every request in flight at once, not queued for a connection
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s, err := knowledge.NewStore(pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	m := newMentoring(t, s, "T-rush")
	for i := range 5 {
		m.offer(t, fmt.Sprintf("mentor%d", i), "testing", 2)
	}
	const requests = 50
	mentees := make([]knowledge.Member, requests)
	for i := range requests {
		mentees[i] = m.member(t, fmt.Sprintf("newbie%02d", i))
	}

	results := make([]knowledge.RequestResult, requests)
	errs := make([]error, requests)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.RequestMentor(ctx, mentees[i], []string{"testing"}, "C1")
		})
	}
	close(start)
	wg.Wait()

	matched, positions := 0, map[int]int64{} // position → mentee id
	for i, res := range results {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if res.Pairing != nil {
			matched++
			continue
		}
		if prev, dup := positions[res.Position]; dup {
			t.Fatalf("members %d and %d were both told position %d", prev, mentees[i].ID, res.Position)
		}
		positions[res.Position] = mentees[i].ID
	}
	if matched != 10 || len(positions) != 40 {
		t.Fatalf("%d matched and %d waiting; want 10 and 40", matched, len(positions))
	}

	var pairings, overfull int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM pairings),
		(SELECT count(*) FROM (SELECT mentor_id FROM pairings GROUP BY mentor_id HAVING count(*) > 2) o)`).
		Scan(&pairings, &overfull); err != nil {
		t.Fatal(err)
	}
	if pairings != 10 || overfull != 0 {
		t.Fatalf("%d pairings, %d mentors over capacity; want 10 and 0", pairings, overfull)
	}
	// The waitlist is in the order the requests took the lock, every
	// matched request came before every waiting one, and each waiting
	// member was told the place they hold.
	rows, err := pool.Query(ctx, `SELECT mentee_id, state FROM mentoring_requests ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	place := 0
	for rows.Next() {
		var id int64
		var state string
		if err := rows.Scan(&id, &state); err != nil {
			t.Fatal(err)
		}
		order = append(order, state)
		if state == "waiting" {
			place++
			if positions[place] != id {
				t.Errorf("waitlist place %d holds member %d, but member %d was told that place", place, id, positions[place])
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("matched ", 10) + strings.Repeat("waiting ", 40)
	if got := strings.Join(order, " ") + " "; got != want {
		t.Errorf("requests by order taken: %s\nwant the first 10 matched, then 40 waiting", got)
	}
}

// snapshot digests every mentoring table and the job queue, to show that a
// refused command changed nothing.
func snapshot(t *testing.T, s *knowledge.Store) string {
	t.Helper()
	return dbtest.Snapshot(t, s.Pool(), "mentors", "mentoring_requests", "pairings", "mentoring_counters", "river_job")
}

func TestStore_MentoringBadInputChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	m := newMentoring(t, s, "T-bad")
	m.offer(t, "ada", "testing", 1)
	p := matchedWith(t, m.request(t, "newbie", "testing"), "ada")
	m.request(t, "waiter", "rust")
	ptr := func(n int) *int { return &n }
	past := time.Now().AddDate(0, 0, -1)
	far := time.Now().AddDate(3, 0, 0)

	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"CapacityZero", func() error {
			_, err := s.OfferMentoring(ctx, m.member(t, "ada"), knowledge.MentorOffer{Topics: []string{"go"}, Capacity: ptr(0)})
			return err
		}, "1 to 20"},
		{"Capacity500", func() error {
			_, err := s.OfferMentoring(ctx, m.member(t, "bob"), knowledge.MentorOffer{Topics: []string{"go"}, Capacity: ptr(500)})
			return err
		}, "500 won't do"},
		{"NoTopics", func() error {
			_, err := s.OfferMentoring(ctx, m.member(t, "bob"), knowledge.MentorOffer{Topics: []string{",", "!"}})
			return err
		}, "Name the topics"},
		{"OnlyStopWords", func() error {
			_, err := s.RequestMentor(ctx, m.member(t, "cy"), []string{"the", "and"}, "C1")
			return err
		}, "too common"},
		{"PauseUntilThePast", func() error {
			_, err := s.PauseMentoring(ctx, m.member(t, "ada"), &past)
			return err
		}, "not in the future"},
		{"PauseTooFar", func() error {
			_, err := s.PauseMentoring(ctx, m.member(t, "ada"), &far)
			return err
		}, "more than a year"},
		{"PauseWithoutOffering", func() error {
			_, err := s.PauseMentoring(ctx, m.member(t, "cy"), nil)
			return err
		}, "aren't offering"},
		{"EndSomeoneElsesPairing", func() error {
			_, err := s.EndPairing(ctx, m.member(t, "cy"), &p.Number, "", nil)
			return err
		}, "You're not in pairing"},
		{"EndWithRatingSix", func() error {
			_, err := s.EndPairing(ctx, m.member(t, "newbie"), &p.Number, "great", ptr(6))
			return err
		}, "1 to 5"},
		{"EndUnknownPairing", func() error {
			_, err := s.EndPairing(ctx, m.member(t, "newbie"), ptr(99), "", nil)
			return err
		}, "not in pairing 99"}, // as for a pairing of others: whether it exists is not told
		{"AcceptAsTheMentee", func() error {
			_, err := s.AcceptPairing(ctx, m.member(t, "newbie"), p.Number)
			return err
		}, "You're not the mentor of pairing 1"},
		{"DeclineSomeoneElses", func() error {
			_, err := s.DeclinePairing(ctx, m.member(t, "cy"), p.Number)
			return err
		}, "You're not the mentor of pairing"},
		{"PairByHandAsAMember", func() error {
			_, err := s.PairByHand(ctx, m.member(t, "cy"), m.member(t, "ada"), m.member(t, "waiter"), nil, "C1")
			return err
		}, knowledge.ErrForbidden.Error()},
		{"PairByHandAtCapacity", func() error {
			_, err := s.PairByHand(ctx, m.member(t, "admin"), m.member(t, "ada"), m.member(t, "waiter"), nil, "C1")
			return err
		}, "their capacity"},
		{"PairByHandWithThemselves", func() error {
			_, err := s.PairByHand(ctx, m.member(t, "admin"), m.member(t, "ada"), m.member(t, "ada"), nil, "C1")
			return err
		}, "can't mentor themselves"},
		{"PairByHandNotAMentor", func() error {
			_, err := s.PairByHand(ctx, m.member(t, "admin"), m.member(t, "cy"), m.member(t, "waiter"), nil, "C1")
			return err
		}, "hasn't offered"},
		{"RequestWhilePaired", func() error {
			_, err := s.RequestMentor(ctx, m.member(t, "newbie"), []string{"go"}, "C1")
			return err
		}, "already has a mentor"},
		{"EndWithNothingOpen", func() error {
			_, err := s.EndPairing(ctx, m.member(t, "cy"), nil, "", nil)
			return err
		}, "no pairing to end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.member(t, "bob")
			m.member(t, "cy")
			before := snapshot(t, s)
			err := tt.do()
			var invalid *knowledge.InvalidError
			if err == nil || !strings.Contains(err.Error(), tt.want) ||
				!(errors.As(err, &invalid) || errors.Is(err, knowledge.ErrForbidden)) {
				t.Fatalf("err = %v; want a domain error saying %q", err, tt.want)
			}
			if after := snapshot(t, s); after != before {
				t.Errorf("a refused change wrote something:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestStore_AcceptAndEnd(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	m := newMentoring(t, s, "T-end")
	m.offer(t, "ada", "testing", 2)
	p := matchedWith(t, m.request(t, "newbie", "testing"), "ada")
	accepted, err := s.AcceptPairing(ctx, m.member(t, "ada"), p.Number)
	if err != nil || accepted.Pairing.State != knowledge.PairingActive || accepted.Pairing.AcceptedAt == nil {
		t.Fatalf("accept: %+v, %v", accepted, err)
	}
	if _, err := s.AcceptPairing(ctx, m.member(t, "ada"), p.Number); err == nil || !strings.Contains(err.Error(), "already accepted") {
		t.Fatalf("accepting twice: %v", err)
	}
	// Without a number, end means the member's one open pairing.
	rating := 5
	ended, err := s.EndPairing(ctx, m.member(t, "newbie"), nil, "  Learned how to split tests  ", &rating)
	if err != nil {
		t.Fatal(err)
	}
	got := ended.Pairing
	if got.State != knowledge.PairingEnded || got.Feedback != "Learned how to split tests" || got.Rating == nil || *got.Rating != 5 {
		t.Fatalf("ended pairing: %+v", got)
	}
	if _, err := s.EndPairing(ctx, m.member(t, "ada"), &p.Number, "", nil); err == nil || !strings.Contains(err.Error(), "already ended") {
		t.Fatalf("ending twice: %v", err)
	}
	st, err := s.MentoringStatus(ctx, m.member(t, "ada"))
	if err != nil || st.Mentor == nil || st.Mentor.Load != 0 || len(st.Pairings) != 0 {
		t.Fatalf("ada after the end: %+v, %v; want her slot free", st, err)
	}
	// With no pairing open, end withdraws a waiting request.
	m.request(t, "waiter", "rust")
	if res, err := s.EndPairing(ctx, m.member(t, "waiter"), nil, "", nil); err != nil || !res.Withdrawn {
		t.Fatalf("withdraw: %+v, %v", res, err)
	}
	o, err := s.MentoringOverview(ctx, m.member(t, "admin"))
	if err != nil || len(o.Waitlist) != 0 || len(o.Pairings) != 0 {
		t.Fatalf("overview: %+v, %v; want nothing open", o, err)
	}
	if _, err := s.MentoringOverview(ctx, m.member(t, "ada")); !errors.Is(err, knowledge.ErrForbidden) {
		t.Fatalf("a member read the overview: %v", err)
	}
}

func TestStore_NoticesAndWelcomesAreClaimedOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	m := newMentoring(t, s, "T-claim")
	m.offer(t, "ada", "testing", 2)
	p := matchedWith(t, m.request(t, "newbie", "testing"), "ada")
	if err := s.KeepIntroChannel(ctx, m.c.ID, p.ID, "G1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimNotice(ctx, m.c.ID, p.ID, knowledge.NoticeIntro, knowledge.PairingProposed); err != nil || !got {
		t.Fatalf("first claim = %v, %v; want it claimed", got, err)
	}
	var held *knowledge.HeldError
	if got, err := s.ClaimNotice(ctx, m.c.ID, p.ID, knowledge.NoticeIntro, knowledge.PairingProposed); got || !errors.As(err, &held) {
		t.Fatalf("a claim while the first is sending = %v, %v; want it held", got, err)
	}
	if err := s.NoticeDelivered(ctx, m.c.ID, p.ID, knowledge.NoticeIntro); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimNotice(ctx, m.c.ID, p.ID, knowledge.NoticeIntro, knowledge.PairingProposed); err != nil || got {
		t.Fatalf("a claim once delivered = %v, %v; want nothing to send", got, err)
	}
	// A notice that could not be sent is released, and claimed again.
	if err := s.ReleaseNotice(ctx, m.c.ID, p.ID, knowledge.NoticeIntro); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimNotice(ctx, m.c.ID, p.ID, knowledge.NoticeIntro, knowledge.PairingProposed); err != nil || !got {
		t.Fatalf("claim after release = %v, %v; want it claimed again", got, err)
	}
	m.end(t, "ada", p.Number)
	if got, err := s.ClaimNotice(ctx, m.c.ID, p.ID, knowledge.NoticeFollowUp, knowledge.PairingActive); err != nil || got {
		t.Fatalf("a follow-up of an ended pairing was claimed (%v)", err)
	}
	if read, err := s.PairingByID(ctx, m.c.ID, p.ID); err != nil || read.IntroChannel != "G1" {
		t.Fatalf("pairing = %+v, %v; want its introduction channel kept", read, err)
	}
	newbie := m.member(t, "newbie").ID
	if _, got, err := s.ClaimWelcome(ctx, m.c.ID, newbie); err != nil || !got {
		t.Fatalf("welcome claim = %v, %v; want it claimed", got, err)
	}
	if err := s.WelcomeDelivered(ctx, m.c.ID, newbie); err != nil {
		t.Fatal(err)
	}
	if _, got, err := s.ClaimWelcome(ctx, m.c.ID, newbie); err != nil || got {
		t.Fatalf("welcome claim once delivered = %v, %v; want nothing to send", got, err)
	}
}
