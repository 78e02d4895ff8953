package knowledge

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// FeedbackDays is how many days after a pairing ends its mentor, its
// mentee and facilitators may still give or change their feedback on it:
// long enough to think it over, short enough that it is about this pairing.
const FeedbackDays = 14

// feedbackWindow is FeedbackDays as a duration.
const feedbackWindow = FeedbackDays * 24 * time.Hour

// Sides of a pairing that give feedback.
const (
	SideMentor      = "mentor"
	SideMentee      = "mentee"
	SideFacilitator = "facilitator"
)

// PairingFeedback is one person's feedback on a pairing. Each person has
// one: giving it again changes it.
type PairingFeedback struct {
	PairingID int64
	Member    MemberRef
	// Side is the member's part in the pairing: SideMentor, SideMentee, or
	// SideFacilitator for a facilitator outside the pair.
	Side    string
	Text    string
	Rating  *int
	GivenAt time.Time
}

// EndedPairing is a pairing that ended, with the feedback on it that its
// reader may see.
type EndedPairing struct {
	Pairing Pairing
	// Given is the feedback the reader may see, the mentee's first.
	Given []PairingFeedback
	// Until is when feedback on it stops being taken.
	Until time.Time
}

// Open says whether feedback on the pairing is still taken at now.
func (e EndedPairing) Open(now time.Time) bool { return now.Before(e.Until) }

// By is the feedback the member gave, if any.
func (e EndedPairing) By(memberID int64) *PairingFeedback {
	for i := range e.Given {
		if e.Given[i].Member.ID == memberID {
			return &e.Given[i]
		}
	}
	return nil
}

// MentorRating is what a mentor's mentees made of the pairings that ended
// in the last year.
type MentorRating struct {
	Mentor MemberRef
	// Ended counts the pairings that ended; Rated those of them the mentee
	// rated, and Average is the mean of those ratings (0 with none).
	Ended   int
	Rated   int
	Average float64
}

// FeedbackReport is what facilitators read of mentoring feedback.
type FeedbackReport struct {
	// AsOf is the database's time, against which ages are measured.
	AsOf time.Time
	// Ended are the pairings that ended in the last RecentFeedbackDays,
	// newest first, at most MaxRecentFeedback of them; EndedTotal counts
	// them all.
	Ended      []EndedPairing
	EndedTotal int
	// Mentors are the mentors with a pairing that ended in the last year,
	// by name.
	Mentors []MentorRating
}

// Limits of FeedbackReport.
const (
	RecentFeedbackDays = 90
	MaxRecentFeedback  = 20
)

// SideOf is the member's part in a pairing: SideMentor, SideMentee, or
// SideFacilitator for anyone outside it.
func SideOf(by Member, p Pairing) string {
	switch by.ID {
	case p.Mentor.ID:
		return SideMentor
	case p.Mentee.ID:
		return SideMentee
	}
	return SideFacilitator
}

// checkFeedback trims typed feedback and checks it and the rating.
func checkFeedback(text string, rating *int) (string, error) {
	text = strings.TrimSpace(text)
	if rating != nil && (*rating < 1 || *rating > 5) {
		return "", invalidf("A rating goes from 1 to 5; %d won't do.", *rating)
	}
	if n := utf8.RuneCountInString(text); n > MaxFeedback {
		return "", invalidf("That feedback is %d characters long; the limit is %d.", n, MaxFeedback)
	}
	return text, nil
}

// giveFeedback records the member's feedback on a pairing, or changes it:
// typed text replaces their text and a rating their rating, and what they
// leave out stays. replaced says they had given feedback before.
func (m *mentoringTx) giveFeedback(ctx context.Context, by Member, p Pairing, text string, rating *int) (PairingFeedback, bool, error) {
	f := PairingFeedback{PairingID: p.ID, Side: SideOf(by, p),
		Member: MemberRef{ID: by.ID, PlatformUserID: by.PlatformUserID, DisplayName: by.DisplayName}}
	var replaced bool
	err := m.QueryRow(ctx, `
		INSERT INTO pairing_feedback AS f (community_id, pairing_id, member_id, side, feedback, rating)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (community_id, pairing_id, member_id) DO UPDATE SET side = excluded.side,
			feedback = CASE WHEN excluded.feedback <> '' THEN excluded.feedback ELSE f.feedback END,
			rating = COALESCE(excluded.rating, f.rating), given_at = copbot_now()
		RETURNING xmax <> 0, feedback, rating, given_at`,
		m.communityID, p.ID, by.ID, f.Side, text, rating).Scan(&replaced, &f.Text, &f.Rating, &f.GivenAt)
	if err != nil {
		return PairingFeedback{}, false, fmt.Errorf("record feedback: %w", err)
	}
	return f, replaced, nil
}

// feedbackClosed refuses feedback on a pairing that ended more than
// FeedbackDays ago.
func feedbackClosed(p Pairing, now time.Time) error {
	if p.ClosedAt == nil || now.Before(p.ClosedAt.Add(feedbackWindow)) {
		return nil
	}
	return invalidf("Pairing %d ended %s ago, and feedback is taken for %d days after a pairing ends: that window has closed. "+
		"A facilitator (`/cop facilitator list`) will still gladly hear how it went.", p.Number, daysAgo(now.Sub(*p.ClosedAt)), FeedbackDays)
}

// DaysLeft is how many days of the feedback window remain at now, counting
// a day begun: 14 just after the end, 1 on its last day.
func DaysLeft(until, now time.Time) int {
	return int(math.Ceil(until.Sub(now).Hours() / 24))
}

func daysAgo(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

const feedbackColumns = `f.pairing_id, mb.id, mb.platform_user_id, mb.display_name, f.side, f.feedback, f.rating, f.given_at`

// feedbackOf reads every side's feedback on some pairings, by pairing, the
// mentee's first, then the mentor's, then facilitators'.
func feedbackOf(ctx context.Context, db querier, communityID int64, pairingIDs []int64) (map[int64][]PairingFeedback, error) {
	out := map[int64][]PairingFeedback{}
	if len(pairingIDs) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT `+feedbackColumns+` FROM pairing_feedback f
		JOIN members mb ON mb.community_id = f.community_id AND mb.id = f.member_id
		WHERE f.community_id = $1 AND f.pairing_id = ANY($2)
		ORDER BY f.pairing_id, array_position(ARRAY['mentee', 'mentor', 'facilitator'], f.side), f.given_at`,
		communityID, pairingIDs)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PairingFeedback, error) {
		var f PairingFeedback
		err := row.Scan(&f.PairingID, &f.Member.ID, &f.Member.PlatformUserID, &f.Member.DisplayName,
			&f.Side, &f.Text, &f.Rating, &f.GivenAt)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	for _, f := range all {
		out[f.PairingID] = append(out[f.PairingID], f)
	}
	return out, nil
}

// endedPairings reads ended pairings with the feedback on them that by
// may read (mayReadFeedback).
func endedPairings(ctx context.Context, db querier, by Member, where string, args ...any) ([]EndedPairing, error) {
	ps, err := queryPairings(ctx, db, `p.state = 'ended' AND `+where, args...)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	given, err := feedbackOf(ctx, db, by.CommunityID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]EndedPairing, len(ps))
	for i, p := range ps {
		out[i] = EndedPairing{Pairing: p, Until: p.ClosedAt.Add(feedbackWindow)}
		for _, f := range given[p.ID] {
			if mayReadFeedback(by, p, f) == nil {
				out[i].Given = append(out[i].Given, f)
			}
		}
	}
	return out, nil
}

// MentoringFeedback reads the feedback on the pairings that ended
// recently, every side's, and each mentor's average rating by their
// mentees over the last year. Facilitators only: mentees' feedback is for
// facilitators and the mentor it is about.
func (s *Store) MentoringFeedback(ctx context.Context, by Member) (FeedbackReport, error) {
	if err := MayFacilitate(by); err != nil {
		return FeedbackReport{}, err
	}
	var r FeedbackReport
	err := s.pool.QueryRow(ctx, `SELECT copbot_now(), count(*) FROM pairings
		WHERE community_id = $1 AND state = 'ended' AND closed_at > copbot_now() - make_interval(days => $2)`,
		by.CommunityID, RecentFeedbackDays).Scan(&r.AsOf, &r.EndedTotal)
	if err != nil {
		return r, fmt.Errorf("count ended pairings: %w", err)
	}
	if r.Ended, err = endedPairings(ctx, s.pool, by, `p.community_id = $1 AND p.closed_at > copbot_now() - make_interval(days => $2)
		ORDER BY p.closed_at DESC, p.number DESC LIMIT $3`, by.CommunityID, RecentFeedbackDays, MaxRecentFeedback); err != nil {
		return r, err
	}
	r.Mentors, err = mentorRatings(ctx, s.pool, by.CommunityID, 0)
	return r, err
}

// mentorRatings reads, for each mentor (or only mentorID, when not 0) with
// a pairing that ended in the last year, how many ended, how many of them
// their mentee rated, and the average of those ratings.
func mentorRatings(ctx context.Context, db querier, communityID, mentorID int64) ([]MentorRating, error) {
	rows, err := db.Query(ctx, `
		SELECT mb.id, mb.platform_user_id, mb.display_name, count(*)::int, count(f.rating)::int,
			COALESCE(avg(f.rating), 0)::float8
		FROM pairings p
		JOIN members mb ON mb.community_id = p.community_id AND mb.id = p.mentor_id
		LEFT JOIN pairing_feedback f ON f.community_id = p.community_id AND f.pairing_id = p.id AND f.side = 'mentee'
		WHERE p.community_id = $1 AND p.state = 'ended' AND p.closed_at > copbot_now() - interval '1 year'
		  AND ($2::bigint = 0 OR p.mentor_id = $2)
		GROUP BY mb.id, mb.platform_user_id, mb.display_name
		ORDER BY lower(mb.display_name), mb.id`, communityID, mentorID)
	if err != nil {
		return nil, fmt.Errorf("read mentor ratings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (MentorRating, error) {
		var r MentorRating
		err := row.Scan(&r.Mentor.ID, &r.Mentor.PlatformUserID, &r.Mentor.DisplayName, &r.Ended, &r.Rated, &r.Average)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("read mentor ratings: %w", err)
	}
	return out, nil
}
