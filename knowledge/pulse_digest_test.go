package knowledge_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

func TestDigestTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		now        time.Time
		loc        *time.Location
		last, next time.Time
	}{
		{"MondayAfterNine", at("2027-03-08 09:30"), time.UTC, at("2027-03-08 09:00"), at("2027-03-15 09:00")},
		{"MondayBeforeNine", at("2027-03-08 08:59"), time.UTC, at("2027-03-01 09:00"), at("2027-03-08 09:00")},
		{"Sunday", at("2027-03-14 23:00"), time.UTC, at("2027-03-08 09:00"), at("2027-03-15 09:00")},
		// 09:00 in Berlin is 08:00 UTC in winter: 08:30 UTC is past it.
		{"BerlinWinter", at("2027-03-08 08:30"), berlin, at("2027-03-08 08:00"), at("2027-03-15 08:00")},
		// Summer time starts on 2027-03-28: the next Monday's 09:00 is 07:00 UTC.
		{"BerlinAcrossDST", at("2027-03-22 08:30"), berlin, at("2027-03-22 08:00"), at("2027-03-29 07:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			last, next := knowledge.DigestTime(tt.now, tt.loc)
			if !last.Equal(tt.last) || !next.Equal(tt.next) {
				t.Errorf("DigestTime(%v) = %v, %v; want %v, %v", tt.now, last.UTC(), next.UTC(), tt.last, tt.next)
			}
		})
	}
}

// digestCommunity has a week (2027-03-01 09:00 to 2027-03-08 09:00 UTC)
// with new tips, votes on new and old tips, a check-in and a pairing.
func digestCommunity(t *testing.T, s *knowledge.Store) *history {
	h := newHistory(t, s, "T-digest")
	h.member("admin", "admin", "2026-06-01 00:00", "")
	for _, name := range []string{"ada", "bob", "cy", "dan"} {
		h.member(name, "", "2026-06-01 00:00", "")
	}
	h.tip("old", "ada", "2027-02-01 12:00", false, false, "testing", "ci")
	h.tip("w1", "ada", "2027-03-02 12:00", false, false, "testing", "flaky")
	h.tip("w2", "bob", "2027-03-03 12:00", false, false, "ci")
	h.tip("gone", "bob", "2027-03-03 13:00", false, true, "secret") // removed: not told
	h.vote("bob", "w1", "2027-03-02 12:00")
	h.vote("cy", "w1", "2027-03-02 13:00")
	h.vote("dan", "w1", "2027-03-04 13:00")
	h.vote("ada", "w2", "2027-03-03 12:00")
	h.vote("cy", "old", "2027-03-05 12:00")
	h.vote("dan", "old", "2027-03-05 13:00")
	h.vote("bob", "old", "2027-02-01 12:00") // before the week
	h.objective("goal", "admin", 10, "2027-06-30", "2027-02-01 00:00", "open", "")
	h.checkin("goal", "admin", "2027-02-10 12:00", "set", 4)
	h.checkin("goal", "admin", "2027-03-05 12:00", "add", 2)
	h.request("r1", "dan", "2027-03-04 11:00", "matched", "")
	h.pairing(1, "r1", "ada", "dan", "active", "2027-03-04 12:00", "2027-03-04 13:00", "", "")
	return h
}

func TestStore_Digest(t *testing.T) {
	s := newStore(t)
	h := digestCommunity(t, s)
	s.SetClock(func() time.Time { return at("2027-03-08 09:00") })
	d, err := s.Digest(context.Background(), h.c.ID, at("2027-03-01 09:00"), at("2027-03-08 09:00"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Empty() || d.TipsSaved != 2 || d.Votes != 6 || d.Checkins != 1 || d.NewPairings != 1 {
		t.Errorf("week = %d tips, %d votes, %d check-ins, %d pairings; want 2, 6, 1, 1", d.TipsSaved, d.Votes, d.Checkins, d.NewPairings)
	}
	var top []string
	var votes []int
	for _, v := range d.TopTips {
		top = append(top, v.Tip.Text)
		votes = append(votes, v.Votes)
	}
	if want := []string{"Tip w1 about testing", "Tip old about testing", "Tip w2 about testing"}; !reflect.DeepEqual(top, want) ||
		!reflect.DeepEqual(votes, []int{3, 2, 1}) {
		t.Errorf("most-voted = %v %v, want %v [3 2 1]", top, votes, want)
	}
	// testing and ci were used before the week; the removed tip's tag is
	// not told.
	if !reflect.DeepEqual(d.NewTags, []string{"flaky"}) || !reflect.DeepEqual(d.PairingTopics, []string{"testing"}) {
		t.Errorf("new tags %v, pairing topics %v; want [flaky], [testing]", d.NewTags, d.PairingTopics)
	}
	if len(d.Objectives) != 1 || d.Objectives[0].Progress.Value != 6 || d.Objectives[0].Gained != 2 {
		t.Errorf("objectives = %+v, want goal at 6, +2 this week", d.Objectives)
	}
}

func TestStore_PlanDigests(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := digestCommunity(t, s)
	admin := h.facilitator("admin")
	s.SetClock(func() time.Time { return at("2027-03-08 08:30") })
	if n, err := s.PlanDigests(ctx); err != nil || n != 0 {
		t.Fatalf("digests without a channel = %d, %v; want none", n, err)
	}
	for key, value := range map[string]string{"digest-channel": "<#C42|general>", "timezone": "Europe/Berlin"} {
		if _, err := s.SetConfig(ctx, admin, key, value); err != nil {
			t.Fatal(err)
		}
	}
	// 07:30 UTC is 08:30 in Berlin: the digest due is the one of
	// 2027-03-01, whose week (from 2027-02-22) was quiet.
	s.SetClock(func() time.Time { return at("2027-03-08 07:30") })
	if n, err := s.PlanDigests(ctx); err != nil || n != 0 {
		t.Fatalf("digest of a quiet week = %d, %v; want none", n, err)
	}
	s.SetClock(func() time.Time { return at("2027-03-08 08:30") })
	for i, want := range []int{1, 0} {
		if n, err := s.PlanDigests(ctx); err != nil || n != want {
			t.Fatalf("planner run %d queued %d (%v), want %d", i+1, n, err, want)
		}
	}
	var weekOf, channel string
	var from, to time.Time
	if err := s.Pool().QueryRow(ctx, `SELECT d.week_of::text, d.channel_id, (j.args->>'from')::timestamptz, (j.args->>'to')::timestamptz
		FROM digests d, river_job j WHERE j.kind = 'weekly_digest' AND d.community_id = $1`, h.c.ID).Scan(&weekOf, &channel, &from, &to); err != nil {
		t.Fatal(err)
	}
	if weekOf != "2027-03-08" || channel != "C42" || !from.Equal(at("2027-03-01 08:00")) || !to.Equal(at("2027-03-08 08:00")) {
		t.Errorf("digest for %s in %s over %v – %v; want 2027-03-08 in C42 over Berlin's week", weekOf, channel, from, to)
	}
}
