package knowledge

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Objective is a goal of the community: a numeric target by a due date,
// tracked by check-ins and, when it has a tag, by the tips saved with it.
type Objective struct {
	ID          int64
	CommunityID int64
	Number      int
	Title       string
	Target      float64
	Unit        string
	// Due is a calendar day (midnight UTC); the objective is due by the end
	// of that day in the community's time zone.
	Due             time.Time
	Tag             string
	OwnerID         int64
	OwnerName       string
	OwnerPlatformID string
	// ChannelID is where reminders go; "" sends them to the owner directly.
	ChannelID   string
	Cadence     string
	State       string
	PausedUntil *time.Time
	CreatedAt   time.Time
	ClosedAt    *time.Time
}

// States of an objective.
const (
	ObjectiveOpen     = "open"
	ObjectiveAchieved = "achieved"
	ObjectiveDropped  = "dropped"
)

// Open reports whether the objective still takes check-ins.
func (o Objective) Open() bool { return o.State == ObjectiveOpen }

const objectiveColumns = `o.id, o.community_id, o.number, o.title, o.target::float8, o.unit, o.due_on,
	COALESCE(o.tag, ''), o.owner_id, COALESCE(NULLIF(m.display_name, ''), m.platform_user_id), m.platform_user_id,
	o.channel_id, o.cadence, o.state, o.paused_until, o.created_at, o.closed_at`

// objectiveFrom joins the owner, whom every view of an objective names.
const objectiveFrom = ` JOIN members m ON m.community_id = o.community_id AND m.id = o.owner_id`

func scanObjective(row pgx.Row) (Objective, error) {
	var o Objective
	err := row.Scan(&o.ID, &o.CommunityID, &o.Number, &o.Title, &o.Target, &o.Unit, &o.Due, &o.Tag, &o.OwnerID,
		&o.OwnerName, &o.OwnerPlatformID, &o.ChannelID, &o.Cadence, &o.State, &o.PausedUntil, &o.CreatedAt, &o.ClosedAt)
	return o, err
}

// NewObjective is an objective as a facilitator describes it.
type NewObjective struct {
	Title  string
	Target float64
	// Unit defaults to "items"; Cadence to weekly; Owner to the creator.
	Unit      string
	Due       time.Time
	Tag       string
	Owner     *Member
	Cadence   string
	ChannelID string
}

// AddObjective creates an objective with the community's next number.
// Only facilitators may; every problem with the description is reported at
// once and nothing is written.
func (s *Store) AddObjective(ctx context.Context, by Member, n NewObjective) (Objective, error) {
	if err := MayFacilitate(by); err != nil {
		return Objective{}, err
	}
	n.Title, n.Unit, n.Tag = strings.TrimSpace(n.Title), strings.TrimSpace(n.Unit), NormalizeTag(n.Tag)
	if n.Unit == "" {
		n.Unit = "items"
	}
	if n.Cadence == "" {
		n.Cadence = CadenceWeekly
	}
	owner := by
	if n.Owner != nil {
		owner = *n.Owner
	}
	loc, err := s.location(ctx, s.pool, by.CommunityID)
	if err != nil {
		return Objective{}, err
	}
	now := s.now()
	var problems []error
	for _, err := range []error{checkTitle(n.Title), CheckTarget(n.Target), checkUnit(n.Unit),
		checkDue(n.Due, now, loc), checkCadence(n.Cadence), checkOwner(owner)} {
		if err != nil {
			problems = append(problems, err)
		}
	}
	if err := joinProblems(problems); err != nil {
		return Objective{}, err
	}
	var o Objective
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var number int
		err := tx.QueryRow(ctx, `
			INSERT INTO objective_counters (community_id, last_number) VALUES ($1, 1)
			ON CONFLICT (community_id) DO UPDATE SET last_number = objective_counters.last_number + 1
			RETURNING last_number`, by.CommunityID).Scan(&number)
		if err != nil {
			return fmt.Errorf("number objective: %w", err)
		}
		o, err = scanObjective(tx.QueryRow(ctx, `
			WITH o AS (
				INSERT INTO objectives (community_id, number, title, target, unit, due_on, tag, owner_id,
					channel_id, cadence, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), $8, $9, $10, $11, $12)
				RETURNING *
			)
			SELECT `+objectiveColumns+` FROM o`+objectiveFrom,
			by.CommunityID, number, n.Title, n.Target, n.Unit, n.Due, n.Tag, owner.ID, n.ChannelID, n.Cadence, by.ID, now))
		if err != nil {
			return fmt.Errorf("insert objective: %w", err)
		}
		return nil
	})
	return o, err
}

func checkOwner(m Member) error {
	if m.IsBot {
		return invalidf("%s is a bot; an objective's owner is a person.", m.DisplayName)
	}
	return nil
}

// Objective returns an objective by its number.
func (s *Store) Objective(ctx context.Context, communityID int64, number int) (Objective, error) {
	return objectiveBy(ctx, s.pool, communityID, "o.number", int64(number), false)
}

func objectiveBy(ctx context.Context, db querier, communityID int64, column string, key int64, lock bool) (Objective, error) {
	q := `SELECT ` + objectiveColumns + ` FROM objectives o` + objectiveFrom +
		` WHERE o.community_id = $1 AND ` + column + ` = $2`
	if lock {
		q += ` FOR UPDATE OF o`
	}
	o, err := scanObjective(db.QueryRow(ctx, q, communityID, key))
	if err != nil {
		return Objective{}, notFound(err, "read objective")
	}
	return o, nil
}

// Objectives lists a community's objectives by number: the open ones, or
// all of them.
func (s *Store) Objectives(ctx context.Context, communityID int64, includeClosed bool) ([]Objective, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+objectiveColumns+` FROM objectives o`+objectiveFrom+`
		WHERE o.community_id = $1 AND ($2 OR o.state = 'open') ORDER BY o.number`, communityID, includeClosed)
	if err != nil {
		return nil, fmt.Errorf("list objectives: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Objective, error) { return scanObjective(r) })
}

// ObjectiveEdit names the fields to change; nil fields stay as they are.
// An empty Tag removes the tag.
type ObjectiveEdit struct {
	Title   *string
	Target  *float64
	Unit    *string
	Due     *time.Time
	Tag     *string
	Owner   *Member
	Cadence *string
}

// EditObjective changes an objective's description. Only facilitators may.
// Its history is not touched: check-ins stay as they were made.
func (s *Store) EditObjective(ctx context.Context, by Member, number int, e ObjectiveEdit) (Objective, error) {
	if err := MayFacilitate(by); err != nil {
		return Objective{}, err
	}
	loc, err := s.location(ctx, s.pool, by.CommunityID)
	if err != nil {
		return Objective{}, err
	}
	var problems []error
	check := func(err error) {
		if err != nil {
			problems = append(problems, err)
		}
	}
	if e.Title != nil {
		*e.Title = strings.TrimSpace(*e.Title)
		check(checkTitle(*e.Title))
	}
	if e.Target != nil {
		check(CheckTarget(*e.Target))
	}
	if e.Unit != nil {
		*e.Unit = strings.TrimSpace(*e.Unit)
		check(checkUnit(*e.Unit))
	}
	if e.Due != nil {
		check(checkDue(*e.Due, s.now(), loc))
	}
	if e.Cadence != nil {
		check(checkCadence(*e.Cadence))
	}
	if e.Tag != nil {
		*e.Tag = NormalizeTag(*e.Tag)
	}
	var ownerID *int64
	if e.Owner != nil {
		check(checkOwner(*e.Owner))
		ownerID = &e.Owner.ID
	}
	if err := joinProblems(problems); err != nil {
		return Objective{}, err
	}
	return s.changeObjective(ctx, by.CommunityID, number, func(tx pgx.Tx, o *Objective) error {
		_, err := tx.Exec(ctx, `
			UPDATE objectives SET title = COALESCE($3, title), target = COALESCE($4, target),
				unit = COALESCE($5, unit), due_on = COALESCE($6, due_on),
				tag = CASE WHEN $7::text IS NULL THEN tag ELSE NULLIF($7, '') END,
				owner_id = COALESCE($8, owner_id), cadence = COALESCE($9, cadence)
			WHERE community_id = $1 AND id = $2`,
			by.CommunityID, o.ID, e.Title, e.Target, e.Unit, e.Due, e.Tag, ownerID, e.Cadence)
		if err != nil {
			return fmt.Errorf("update objective: %w", err)
		}
		return nil
	})
}

// CloseObjective closes an open objective as achieved or dropped. Only
// facilitators may; closing one as achieved below its target is a
// *BelowTargetError unless confirmed.
func (s *Store) CloseObjective(ctx context.Context, by Member, number int, outcome string, confirmed bool) (Objective, error) {
	if err := MayFacilitate(by); err != nil {
		return Objective{}, err
	}
	if outcome != ObjectiveAchieved && outcome != ObjectiveDropped {
		return Objective{}, invalidf("Close it as `achieved` or `dropped`.")
	}
	return s.changeObjective(ctx, by.CommunityID, number, func(tx pgx.Tx, o *Objective) error {
		if !o.Open() {
			return invalidf("Objective %d is already closed (%s).", number, o.State)
		}
		if outcome == ObjectiveAchieved && !confirmed {
			p, err := s.progressOf(ctx, tx, *o)
			if err != nil {
				return err
			}
			if p.Value < o.Target {
				return &BelowTargetError{Value: p.Value, Target: o.Target}
			}
		}
		_, err := tx.Exec(ctx, `UPDATE objectives SET state = $3, closed_at = $4, closed_by = $5
			WHERE community_id = $1 AND id = $2`, by.CommunityID, o.ID, outcome, s.now(), by.ID)
		if err != nil {
			return fmt.Errorf("close objective: %w", err)
		}
		return nil
	})
}

// BelowTargetError says an objective closed as achieved has not reached
// its target: closing it so needs the facilitator's confirmation.
type BelowTargetError struct{ Value, Target float64 }

func (e *BelowTargetError) Error() string {
	return fmt.Sprintf("close as achieved at %s of %s", FormatAmount(e.Value), FormatAmount(e.Target))
}

// ReopenObjective opens a closed objective again. Only facilitators may.
func (s *Store) ReopenObjective(ctx context.Context, by Member, number int) (Objective, error) {
	if err := MayFacilitate(by); err != nil {
		return Objective{}, err
	}
	return s.changeObjective(ctx, by.CommunityID, number, func(tx pgx.Tx, o *Objective) error {
		if o.Open() {
			return invalidf("Objective %d is open already.", number)
		}
		_, err := tx.Exec(ctx, `UPDATE objectives SET state = 'open', closed_at = NULL, closed_by = NULL
			WHERE community_id = $1 AND id = $2`, by.CommunityID, o.ID)
		if err != nil {
			return fmt.Errorf("reopen objective: %w", err)
		}
		return nil
	})
}

// PauseReminders stops reminders of an objective until the end of the
// given day (nil resumes them at once), at the latest its due day: after
// it the objective is flagged overdue, which a pause must not silence.
// Resuming reminders that are not paused is an InvalidError that says so.
// Its owner and facilitators may.
func (s *Store) PauseReminders(ctx context.Context, by Member, number int, until *time.Time) (Objective, error) {
	loc, err := s.location(ctx, s.pool, by.CommunityID)
	if err != nil {
		return Objective{}, err
	}
	today := dayOf(s.now(), loc)
	if until != nil && until.Before(today) {
		return Objective{}, invalidf("%s has passed already (time zone %s); pause until today or later.", until.Format(DateLayout), loc)
	}
	return s.changeObjective(ctx, by.CommunityID, number, func(tx pgx.Tx, o *Objective) error {
		if err := mayTendObjective(by, *o); err != nil {
			return err
		}
		if until != nil && until.After(o.Due) {
			return invalidf("Objective %d is due on %s, and after that day I flag it as overdue: pause until %s at the latest, "+
				"or move its due date with `/cop objective edit %d due <YYYY-MM-DD>`.", o.Number, o.Due.Format(DateLayout),
				o.Due.Format(DateLayout), o.Number)
		}
		if until == nil && (o.PausedUntil == nil || o.PausedUntil.Before(today)) {
			return invalidf("Reminders for objective %d are not paused; there is nothing to resume.", o.Number)
		}
		_, err := tx.Exec(ctx, `UPDATE objectives SET paused_until = $3 WHERE community_id = $1 AND id = $2`,
			by.CommunityID, o.ID, until)
		if err != nil {
			return fmt.Errorf("pause reminders: %w", err)
		}
		return nil
	})
}

// changeObjective locks an objective and lets change alter it in the same
// transaction, then reads it back.
func (s *Store) changeObjective(ctx context.Context, communityID int64, number int, change func(pgx.Tx, *Objective) error) (Objective, error) {
	var out Objective
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := objectiveBy(ctx, tx, communityID, "o.number", int64(number), true)
		if err != nil {
			return err
		}
		if err := change(tx, &o); err != nil {
			return err
		}
		out, err = objectiveBy(ctx, tx, communityID, "o.id", o.ID, false)
		return err
	})
	return out, err
}

// location reads a community's time zone.
func (s *Store) location(ctx context.Context, db querier, communityID int64) (*time.Location, error) {
	var name string
	err := db.QueryRow(ctx, `SELECT COALESCE((SELECT value FROM community_settings
		WHERE community_id = $1 AND key = 'timezone'), '')`, communityID).Scan(&name)
	if err != nil {
		return nil, fmt.Errorf("read time zone: %w", err)
	}
	return location(name), nil
}
