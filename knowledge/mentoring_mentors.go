package knowledge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

const mentorColumns = `mb.id, mb.platform_user_id, mb.display_name, m.topics, m.capacity,
	(SELECT count(*) FROM pairings p WHERE p.community_id = m.community_id AND p.mentor_id = m.member_id
		AND p.state IN ('proposed', 'active'))::int AS load,
	m.paused, m.paused_until, m.offered_at`

const mentorFrom = ` FROM mentors m JOIN members mb ON mb.community_id = m.community_id AND mb.id = m.member_id`

func scanMentor(row pgx.Row) (Mentor, error) {
	var m Mentor
	err := row.Scan(&m.Member.ID, &m.Member.PlatformUserID, &m.Member.DisplayName, &m.Topics, &m.Capacity,
		&m.Load, &m.Paused, &m.PausedUntil, &m.OfferedAt)
	return m, err
}

func mentorByMember(ctx context.Context, db querier, communityID, memberID int64) (Mentor, error) {
	m, err := scanMentor(db.QueryRow(ctx, `SELECT `+mentorColumns+mentorFrom+`
		WHERE m.community_id = $1 AND m.member_id = $2`, communityID, memberID))
	if err != nil {
		return Mentor{}, notFound(err, "read mentor")
	}
	return m, nil
}

// MentorOffer is what a member offers with /cop mentor offer.
type MentorOffer struct {
	Topics []string
	// Capacity is how many mentees at once; nil keeps a mentor's capacity
	// (DefaultCapacity for a new one).
	Capacity *int
}

// MentorChange is a mentor after an offer, pause or resume, with the
// pairings it made from the waitlist.
type MentorChange struct {
	Mentor Mentor
	// Created is true for a first offer.
	Created bool
	// WasPaused says whether a resume found the mentor paused.
	WasPaused bool
	Paired    []Pairing
}

// OfferMentoring records or updates a member's offer to mentor and, in the
// same transaction, matches waiting requests the offer can take.
func (s *Store) OfferMentoring(ctx context.Context, by Member, offer MentorOffer) (MentorChange, error) {
	if by.IsBot {
		return MentorChange{}, invalidf("Bots cannot mentor.")
	}
	if c := offer.Capacity; c != nil && (*c < 1 || *c > MaxCapacity) {
		return MentorChange{}, invalidf("Capacity is how many mentees you take at once, 1 to %d; %d won't do. "+
			"To take no one for a while, use `/cop mentor pause`.", MaxCapacity, *c)
	}
	var res MentorChange
	err := s.inMentoringTx(ctx, by.CommunityID, func(m *mentoringTx) error {
		topics, err := m.cleanTopics(ctx, offer.Topics)
		if err != nil {
			return err
		}
		err = m.QueryRow(ctx, `
			INSERT INTO mentors AS m (community_id, member_id, topics, capacity) VALUES ($1, $2, $3, COALESCE($4::int, $5::int))
			ON CONFLICT (community_id, member_id) DO UPDATE SET topics = excluded.topics,
				capacity = COALESCE($4::int, m.capacity), updated_at = copbot_now()
			RETURNING xmax = 0`, by.CommunityID, by.ID, topics, offer.Capacity, DefaultCapacity).Scan(&res.Created)
		if err != nil {
			return fmt.Errorf("upsert mentor: %w", err)
		}
		return m.finishMentorChange(ctx, by.ID, &res)
	})
	return res, err
}

// finishMentorChange drains the waitlist into the mentor's new room and
// reads the mentor and the pairings made.
func (m *mentoringTx) finishMentorChange(ctx context.Context, memberID int64, res *MentorChange) error {
	if err := m.drain(ctx); err != nil {
		return err
	}
	var err error
	if res.Mentor, err = mentorByMember(ctx, m, m.communityID, memberID); err != nil {
		return err
	}
	res.Paired, err = pairingsByID(ctx, m, m.communityID, m.paired)
	return err
}

// errNotMentor answers a pause or resume from someone who never offered.
var errNotMentor = &InvalidError{Msg: "You aren't offering to mentor yet; start with `/cop mentor offer <topics>`."}

// PauseMentoring stops new mentees reaching a mentor, until they resume or,
// when until is set, until then: a job scheduled in the same transaction
// resumes them. Current pairings go on.
func (s *Store) PauseMentoring(ctx context.Context, by Member, until *time.Time) (Mentor, error) {
	var mentor Mentor
	err := s.inMentoringTx(ctx, by.CommunityID, func(m *mentoringTx) error {
		var now time.Time
		if err := m.QueryRow(ctx, `SELECT copbot_now()`).Scan(&now); err != nil {
			return fmt.Errorf("read time: %w", err)
		}
		if until != nil && !until.After(now) {
			return invalidf("%s is not in the future; pause until a later date, or leave the date out and `/cop mentor resume` when ready.",
				until.Format(time.DateOnly))
		}
		if until != nil && until.After(now.AddDate(1, 0, 1)) {
			return invalidf("%s is more than a year away; pause without a date and `/cop mentor resume` when you're back.",
				until.Format(time.DateOnly))
		}
		tag, err := m.Exec(ctx, `UPDATE mentors SET paused = true, paused_until = $3, updated_at = copbot_now()
			WHERE community_id = $1 AND member_id = $2`, by.CommunityID, by.ID, until)
		if err != nil {
			return fmt.Errorf("pause mentor: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errNotMentor
		}
		if until != nil {
			args := MentorResumeArgs{CommunityID: by.CommunityID, MemberID: by.ID, Until: *until}
			if _, err := s.jobs.InsertTx(ctx, m.Tx, args, &river.InsertOpts{ScheduledAt: *until}); err != nil {
				return fmt.Errorf("schedule resume: %w", err)
			}
		}
		mentor, err = mentorByMember(ctx, m, by.CommunityID, by.ID)
		return err
	})
	return mentor, err
}

// ResumeMentoring ends a mentor's pause and matches waiting requests.
func (s *Store) ResumeMentoring(ctx context.Context, by Member) (MentorChange, error) {
	var res MentorChange
	err := s.inMentoringTx(ctx, by.CommunityID, func(m *mentoringTx) error {
		err := m.QueryRow(ctx, `
			UPDATE mentors n SET paused = false, paused_until = NULL, updated_at = copbot_now()
			FROM mentors o WHERE o.community_id = n.community_id AND o.member_id = n.member_id
			  AND n.community_id = $1 AND n.member_id = $2
			RETURNING o.paused`, by.CommunityID, by.ID).Scan(&res.WasPaused)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotMentor
		}
		if err != nil {
			return fmt.Errorf("resume mentor: %w", err)
		}
		return m.finishMentorChange(ctx, by.ID, &res)
	})
	return res, err
}

// ResumeDue resumes a mentor whose pause with a date has come to its end;
// a mentor who resumed, or paused again, since is left alone, so the job
// may run any number of times.
func (s *Store) ResumeDue(ctx context.Context, args MentorResumeArgs) (MentorChange, error) {
	var res MentorChange
	err := s.inMentoringTx(ctx, args.CommunityID, func(m *mentoringTx) error {
		tag, err := m.Exec(ctx, `UPDATE mentors SET paused = false, paused_until = NULL, updated_at = copbot_now()
			WHERE community_id = $1 AND member_id = $2 AND paused AND paused_until = $3`,
			args.CommunityID, args.MemberID, args.Until)
		if err != nil {
			return fmt.Errorf("resume mentor: %w", err)
		}
		if res.WasPaused = tag.RowsAffected() == 1; !res.WasPaused {
			return nil
		}
		return m.finishMentorChange(ctx, args.MemberID, &res)
	})
	return res, err
}
