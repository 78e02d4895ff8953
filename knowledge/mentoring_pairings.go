package knowledge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

const pairingColumns = `p.id, p.number, p.state, p.request_id,
	mr.id, mr.platform_user_id, mr.display_name, me.id, me.platform_user_id, me.display_name,
	p.topics, p.expertise, COALESCE(NULLIF(pb.display_name, ''), pb.platform_user_id, ''),
	p.channel_id, p.intro_channel, p.created_at, p.accepted_at, p.closed_at, COALESCE(p.closed_by, 0),
	COALESCE(cf.feedback, ''), cf.rating`

const pairingFrom = ` FROM pairings p
	JOIN members mr ON mr.community_id = p.community_id AND mr.id = p.mentor_id
	JOIN members me ON me.community_id = p.community_id AND me.id = p.mentee_id
	LEFT JOIN members pb ON pb.community_id = p.community_id AND pb.id = p.paired_by
	LEFT JOIN pairing_feedback cf ON cf.community_id = p.community_id AND cf.pairing_id = p.id AND cf.member_id = p.closed_by`

func scanPairing(row pgx.Row) (Pairing, error) {
	var p Pairing
	err := row.Scan(&p.ID, &p.Number, &p.State, &p.RequestID,
		&p.Mentor.ID, &p.Mentor.PlatformUserID, &p.Mentor.DisplayName,
		&p.Mentee.ID, &p.Mentee.PlatformUserID, &p.Mentee.DisplayName,
		&p.Topics, &p.Expertise, &p.PairedBy, &p.ChannelID, &p.IntroChannel,
		&p.CreatedAt, &p.AcceptedAt, &p.ClosedAt, &p.ClosedBy, &p.Feedback, &p.Rating)
	return p, err
}

func queryPairings(ctx context.Context, db querier, where string, args ...any) ([]Pairing, error) {
	rows, err := db.Query(ctx, `SELECT `+pairingColumns+pairingFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read pairings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Pairing, error) { return scanPairing(row) })
	if err != nil {
		return nil, fmt.Errorf("read pairings: %w", err)
	}
	return out, nil
}

// pairingsByID reads pairings in the order of ids.
func pairingsByID(ctx context.Context, db querier, communityID int64, ids []int64) ([]Pairing, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryPairings(ctx, db, `p.community_id = $1 AND p.id = ANY($2) ORDER BY array_position($2, p.id)`,
		communityID, ids)
}

func pairingByNumber(ctx context.Context, db querier, communityID int64, number int) (Pairing, error) {
	ps, err := queryPairings(ctx, db, `p.community_id = $1 AND p.number = $2`, communityID, number)
	if err != nil {
		return Pairing{}, err
	}
	if len(ps) == 0 {
		return Pairing{}, invalidf("There is no pairing %d. `/cop mentor status` shows yours.", number)
	}
	return ps[0], nil
}

// PairingByID reads a pairing, for the jobs that send its notices.
func (s *Store) PairingByID(ctx context.Context, communityID, id int64) (Pairing, error) {
	ps, err := pairingsByID(ctx, s.pool, communityID, []int64{id})
	if err != nil {
		return Pairing{}, err
	}
	if len(ps) == 0 {
		return Pairing{}, ErrNotFound
	}
	return ps[0], nil
}

// PairingChange is a pairing after accept, decline or end, with what the
// change did to the waitlist.
type PairingChange struct {
	Pairing Pairing
	// Rematched is the request's new pairing after a decline, if another
	// mentor was found at once; Position is its waitlist place otherwise.
	Rematched *Pairing
	Position  int
	// Paired are the pairings made from the waitlist with the freed slot.
	Paired []Pairing
	// Withdrawn is true when an end with no pairing withdrew a waiting
	// request instead.
	Withdrawn bool
	// Feedback is the member's feedback as recorded by an end (their
	// earlier feedback changed by what they gave, when Replaced), nil when
	// they gave none. AlreadyEnded says the pairing had ended before: the
	// change only recorded feedback. FeedbackUntil is when feedback on the
	// pairing stops being taken.
	Feedback      *PairingFeedback
	Replaced      bool
	AlreadyEnded  bool
	FeedbackUntil time.Time
}

// AcceptPairing is the mentor's yes to an introduction.
func (s *Store) AcceptPairing(ctx context.Context, by Member, number int) (PairingChange, error) {
	var res PairingChange
	err := s.inMentoringTx(ctx, by.CommunityID, func(m *mentoringTx) error {
		p, err := m.mentorsProposal(ctx, by, number, "accept")
		if err != nil {
			return err
		}
		if _, err := m.Exec(ctx, `UPDATE pairings SET state = 'active', accepted_at = copbot_now()
			WHERE community_id = $1 AND id = $2`, m.communityID, p.ID); err != nil {
			return fmt.Errorf("accept pairing: %w", err)
		}
		m.notify(p.ID, NoticeAccepted)
		res.Pairing, err = pairingByNumber(ctx, m, m.communityID, number)
		return err
	})
	return res, err
}

// DeclinePairing is the mentor's no: the request goes back to the waitlist
// at its old position and, in the same transaction, to the next mentor who
// fits (never the one who declined).
func (s *Store) DeclinePairing(ctx context.Context, by Member, number int) (PairingChange, error) {
	var res PairingChange
	err := s.inMentoringTx(ctx, by.CommunityID, func(m *mentoringTx) error {
		p, err := m.mentorsProposal(ctx, by, number, "decline")
		if err != nil {
			return err
		}
		if err := m.close(ctx, p, PairingDeclined, by.ID, "waiting"); err != nil {
			return err
		}
		if err := m.drain(ctx); err != nil {
			return err
		}
		if res.Pairing, err = pairingByNumber(ctx, m, m.communityID, number); err != nil {
			return err
		}
		return m.outcome(ctx, p.RequestID, &res)
	})
	return res, err
}

// mentorsProposal returns a pairing the member may accept or decline: theirs
// as mentor, and still proposed.
func (m *mentoringTx) mentorsProposal(ctx context.Context, by Member, number int, verb string) (Pairing, error) {
	p, err := pairingByNumber(ctx, m, m.communityID, number)
	if err != nil || p.Mentor.ID != by.ID {
		// The same answer whether the pairing exists or not: who mentors
		// whom is theirs to tell.
		return Pairing{}, invalidf("You're not the mentor of pairing %d, so you can't %s it. `/cop mentor status` shows your pairings.", number, verb)
	}
	switch p.State {
	case PairingActive:
		if verb == "accept" {
			return Pairing{}, invalidf("You already accepted pairing %d.", number)
		}
		return Pairing{}, invalidf("Pairing %d is under way; to stop, end it with `/cop mentor end %d`.", number, number)
	case PairingDeclined:
		return Pairing{}, invalidf("You declined pairing %d already.", number)
	case PairingEnded:
		return Pairing{}, invalidf("Pairing %d has ended.", number)
	}
	return p, nil
}

// close ends or declines a pairing and moves its request to requestState
// (waiting again after a decline, closed after an end).
func (m *mentoringTx) close(ctx context.Context, p Pairing, state string, by int64, requestState string) error {
	if _, err := m.Exec(ctx, `UPDATE pairings SET state = $3, closed_at = copbot_now(), closed_by = $4
		WHERE community_id = $1 AND id = $2`, m.communityID, p.ID, state, by); err != nil {
		return fmt.Errorf("close pairing: %w", err)
	}
	if _, err := m.Exec(ctx, `UPDATE mentoring_requests SET state = $3,
			closed_at = CASE WHEN $3 IN ('closed', 'withdrawn') THEN copbot_now() END
		WHERE community_id = $1 AND id = $2`,
		m.communityID, p.RequestID, requestState); err != nil {
		return fmt.Errorf("update request: %w", err)
	}
	m.notify(p.ID, map[string]string{PairingDeclined: NoticeDeclined, PairingEnded: NoticeEnded}[state])
	return nil
}

// outcome fills in where a declined request went and what else the freed
// slot made.
func (m *mentoringTx) outcome(ctx context.Context, requestID int64, res *PairingChange) error {
	paired, err := pairingsByID(ctx, m, m.communityID, m.paired)
	if err != nil {
		return err
	}
	for i := range paired {
		if paired[i].RequestID == requestID {
			res.Rematched = &paired[i]
		} else {
			res.Paired = append(res.Paired, paired[i])
		}
	}
	if res.Rematched == nil {
		res.Position, err = waitlistPosition(ctx, m, m.communityID, requestID)
	}
	return err
}

// EndPairing ends a pairing, with the member's feedback and 1–5 rating if
// they give them; the mentor's slot goes to the waitlist in the same
// transaction. Its mentor, its mentee and facilitators may end it. Without
// a number it ends the member's one open pairing or, when they have none,
// withdraws their waiting request. On a pairing that has ended, feedback
// or a rating is recorded as the member's (or changes theirs) for
// FeedbackDays after the end: what /cop mentor end says after the end.
func (s *Store) EndPairing(ctx context.Context, by Member, number *int, feedback string, rating *int) (PairingChange, error) {
	feedback, err := checkFeedback(feedback, rating)
	if err != nil {
		return PairingChange{}, err
	}
	given := feedback != "" || rating != nil
	var res PairingChange
	err = s.inMentoringTx(ctx, by.CommunityID, func(m *mentoringTx) error {
		p, found, err := endTarget(ctx, m, by, number)
		if err != nil {
			return err
		}
		if !found {
			return m.withdraw(ctx, by, &res)
		}
		var now time.Time
		if err := m.QueryRow(ctx, `SELECT copbot_now()`).Scan(&now); err != nil {
			return fmt.Errorf("read time: %w", err)
		}
		switch {
		case p.Open():
			if err := m.close(ctx, p, PairingEnded, by.ID, "closed"); err != nil {
				return err
			}
			if err := m.drain(ctx); err != nil {
				return err
			}
		case p.State == PairingEnded && given:
			if err := feedbackClosed(p, now); err != nil {
				return err
			}
			res.AlreadyEnded = true
		default:
			return closedAlready(p, now)
		}
		if given {
			f, replaced, err := m.giveFeedback(ctx, by, p, feedback, rating)
			if err != nil {
				return err
			}
			res.Feedback, res.Replaced = &f, replaced
		}
		if res.Pairing, err = pairingByNumber(ctx, m, m.communityID, p.Number); err != nil {
			return err
		}
		res.FeedbackUntil = res.Pairing.ClosedAt.Add(feedbackWindow)
		res.Paired, err = pairingsByID(ctx, m, m.communityID, m.paired)
		return err
	})
	return res, err
}

// PairingToEnd is the pairing an end would end, for the confirmation asked
// before ending it: the same pairing and the same refusals as EndPairing,
// and nothing changes. It is nil when the member has no open pairing and
// no number was given (an end withdraws their waiting request instead).
func (s *Store) PairingToEnd(ctx context.Context, by Member, number *int) (*Pairing, error) {
	p, found, err := endTarget(ctx, s.pool, by, number)
	if err != nil || !found {
		return nil, err
	}
	if !p.Open() {
		var now time.Time
		if err := s.pool.QueryRow(ctx, `SELECT copbot_now()`).Scan(&now); err != nil {
			return nil, fmt.Errorf("read time: %w", err)
		}
		return nil, closedAlready(p, now)
	}
	return &p, nil
}

// closedAlready refuses to end a pairing that was declined or ended and,
// while its feedback window is open, says how to give feedback instead.
func closedAlready(p Pairing, now time.Time) error {
	if p.State == PairingDeclined {
		return invalidf("Pairing %d has already been declined.", p.Number)
	}
	until := p.ClosedAt.Add(feedbackWindow)
	if !now.Before(until) {
		return invalidf("Pairing %d has already ended.", p.Number)
	}
	n := DaysLeft(until, now)
	return invalidf("Pairing %d has already ended. You can still give feedback on it for %d more %s: "+
		"`/cop mentor end %d <feedback> rating 1-5`.", p.Number, n, Plural(n, "day", "days"), p.Number)
}

// endTarget finds the pairing an end means and checks that the member may
// end it: the numbered one, or without a number the member's one open
// pairing. found is false when no number was given and the member has no
// open pairing.
func endTarget(ctx context.Context, db querier, by Member, number *int) (Pairing, bool, error) {
	if number == nil {
		p, err := onlyOpenPairing(ctx, db, by)
		return p, err == nil && p.ID != 0, err
	}
	p, err := pairingByNumber(ctx, db, by.CommunityID, *number)
	if err != nil && (MayFacilitate(by) == nil || !errors.As(err, new(*InvalidError))) {
		return Pairing{}, false, err
	}
	if err != nil || mayEndPairing(by, p) != nil {
		// The same answer whether the pairing exists or not: who is
		// paired with whom is theirs to tell.
		return Pairing{}, false, invalidf("You're not in pairing %d; only its mentor, its mentee and facilitators can end it. "+
			"`/cop mentor status` shows your pairings.", *number)
	}
	return p, true, nil
}

// onlyOpenPairing finds the pairing an end without a number means: the
// member's one open pairing, or none (a zero Pairing).
func onlyOpenPairing(ctx context.Context, db querier, by Member) (Pairing, error) {
	open, err := queryPairings(ctx, db, `p.community_id = $1 AND (p.mentor_id = $2 OR p.mentee_id = $2)
		AND p.state IN ('proposed', 'active') ORDER BY p.number`, by.CommunityID, by.ID)
	if err != nil {
		return Pairing{}, err
	}
	switch len(open) {
	case 0:
		return Pairing{}, nil
	case 1:
		return open[0], nil
	}
	var which []string
	for _, p := range open {
		other := p.Mentee
		if p.Mentee.ID == by.ID {
			other = p.Mentor
		}
		which = append(which, fmt.Sprintf("%d (with %s)", p.Number, other.Name()))
	}
	return Pairing{}, invalidf("You have %d pairings: %s. Say which one, like `/cop mentor end %d`.",
		len(open), strings.Join(which, ", "), open[0].Number)
}

// withdraw takes the member's waiting request off the waitlist: what an
// end means to a member with no open pairing.
func (m *mentoringTx) withdraw(ctx context.Context, by Member, res *PairingChange) error {
	tag, err := m.Exec(ctx, `UPDATE mentoring_requests SET state = 'withdrawn', closed_at = copbot_now()
		WHERE community_id = $1 AND mentee_id = $2 AND state = 'waiting'`, m.communityID, by.ID)
	if err != nil {
		return fmt.Errorf("withdraw request: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return invalidf("You have no pairing to end and no request waiting.")
	}
	res.Withdrawn = true
	return nil
}

func waitlistPosition(ctx context.Context, db querier, communityID, requestID int64) (int, error) {
	var n int
	err := db.QueryRow(ctx, `
		SELECT count(*) FROM mentoring_requests w, mentoring_requests r
		WHERE r.community_id = $1 AND r.id = $2 AND r.state = 'waiting'
		  AND w.community_id = $1 AND w.state = 'waiting' AND w.seq <= r.seq`, communityID, requestID).Scan(&n)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("read waitlist position: %w", err)
	}
	return n, nil
}
