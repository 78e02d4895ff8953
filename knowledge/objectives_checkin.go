package knowledge

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Entry is one line of an objective's history: a check-in, or a tip saved
// with the objective's tag.
type Entry struct {
	At time.Time
	// Set entries set the value to Amount; the others add Amount to it.
	Set    bool
	Amount float64
	// Value is the objective's value after this entry.
	Value float64
	Note  string
	Who   string
	// TipNumber is the tip an entry stands for, 0 for a check-in.
	TipNumber int
}

// NewCheckin is a check-in as a person typed it: a value (Amount.Delta
// false) or a change (+2, -1), and an optional note.
type NewCheckin struct {
	Amount Amount
	Note   string
}

// CheckIn records a check-in on an open objective and returns its progress
// after it. Its owner and facilitators may check in, and anyone when the
// community's checkin-by setting says so. The objective's row is locked, so
// concurrent check-ins are ordered and each sees the ones before it.
func (s *Store) CheckIn(ctx context.Context, by Member, number int, c NewCheckin) (Progress, error) {
	note := strings.TrimSpace(c.Note)
	if n := utf8.RuneCountInString(note); n > MaxCheckinNote {
		return Progress{}, invalidf("That note is %d characters long; keep it under %d.", n, MaxCheckinNote)
	}
	switch {
	case !c.Amount.Delta && c.Amount.Value < 0:
		return Progress{}, invalidf("A value cannot be below zero; to subtract, write a change like `-1`.")
	case c.Amount.Delta && c.Amount.Value == 0:
		return Progress{}, invalidf("A change of zero changes nothing; write `+1`, or the new value.")
	}
	kind := "set"
	if c.Amount.Delta {
		kind = "add"
	}
	var p Progress
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := objectiveBy(ctx, tx, by.CommunityID, "o.number", int64(number), true)
		if err != nil {
			return err
		}
		if err := mayCheckIn(ctx, tx, by, o); err != nil {
			return err
		}
		if !o.Open() {
			return invalidf("Objective %d is closed (%s), so it takes no check-ins. A facilitator can reopen it with `/cop objective reopen %d`.",
				number, o.State, number)
		}
		// The time is read after the lock, so check-ins are in the order
		// they were made.
		if _, err := tx.Exec(ctx, `
			INSERT INTO checkins (community_id, objective_id, member_id, at, kind, amount, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			by.CommunityID, o.ID, by.ID, s.now(), kind, c.Amount.Value, note); err != nil {
			return fmt.Errorf("insert check-in: %w", err)
		}
		p, err = s.progressOf(ctx, tx, o)
		if err == nil && p.Value < 0 {
			// Returning an error rolls the check-in back.
			return invalidf("That would take objective %d below zero (it was at %s); check in the value instead, like `/cop checkin %d 0`.",
				number, FormatAmount(p.Value-c.Amount.Value), number)
		}
		return err
	})
	return p, err
}

// Progress returns an objective's history and where it stands now.
func (s *Store) Progress(ctx context.Context, o Objective) (Progress, error) {
	return s.progressOf(ctx, s.pool, o)
}

func (s *Store) progressOf(ctx context.Context, db querier, o Objective) (Progress, error) {
	loc, err := s.location(ctx, db, o.CommunityID)
	if err != nil {
		return Progress{}, err
	}
	entries, earlier, err := historyTail(ctx, db, o.CommunityID, o.ID, maxEntries)
	if err != nil {
		return Progress{}, err
	}
	p := Project(o, entries, s.now(), loc)
	p.EarlierEntries = earlier
	return p, nil
}

// maxEntries bounds the history one objective's progress reads: an
// objective that counts tagged tips has an entry per tip, and a check-in
// must not read thousands of them.
const maxEntries = 500

// historyTail reads the last n entries of an objective's history, with the
// value after each computed by PostgreSQL over the whole history, and how
// many entries came before them.
func historyTail(ctx context.Context, db querier, communityID, objectiveID int64, n int) ([]Entry, int, error) {
	rows, err := db.Query(ctx, `
		WITH e AS (
			SELECT at, kind, amount::float8 AS amount, note, who, COALESCE(tip_number, 0) AS tip_number,
				row_number() OVER (ORDER BY at, checkin_id, tip_number) AS rn
			FROM objective_entries WHERE community_id = $1 AND objective_id = $2
		), g AS (
			SELECT *, count(*) FILTER (WHERE kind = 'set') OVER (ORDER BY rn) AS since_set FROM e
		), v AS (
			SELECT *, sum(amount) OVER (PARTITION BY since_set ORDER BY rn) AS value, count(*) OVER () AS total FROM g
		)
		SELECT at, kind = 'set', amount, value, note, who, tip_number, total FROM v
		WHERE rn > total - $3 ORDER BY rn`, communityID, objectiveID, n)
	if err != nil {
		return nil, 0, fmt.Errorf("read objective history: %w", err)
	}
	var entries []Entry
	total := 0
	var e Entry
	if _, err := pgx.ForEachRow(rows, []any{&e.At, &e.Set, &e.Amount, &e.Value, &e.Note, &e.Who, &e.TipNumber, &total}, func() error {
		entries = append(entries, e)
		return nil
	}); err != nil {
		return nil, 0, fmt.Errorf("read objective history: %w", err)
	}
	return entries, total - len(entries), nil
}

// ObjectivesProgress lists a community's objectives (the open ones, or all)
// with their progress, reading every history in one query.
func (s *Store) ObjectivesProgress(ctx context.Context, communityID int64, includeClosed bool) ([]Progress, error) {
	objs, err := s.Objectives(ctx, communityID, includeClosed)
	if err != nil || len(objs) == 0 {
		return nil, err
	}
	loc, err := s.location(ctx, s.pool, communityID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	entries, err := historyOf(ctx, s.pool, communityID, ids)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Progress, len(objs))
	for i, o := range objs {
		out[i] = Project(o, entries[o.ID], now, loc)
	}
	return out, nil
}

// historyOf reads the entries of some objectives in the order they happened
// and computes the value after each.
func historyOf(ctx context.Context, db querier, communityID int64, ids []int64) (map[int64][]Entry, error) {
	rows, err := db.Query(ctx, `
		SELECT objective_id, at, kind = 'set', amount::float8, note, who, COALESCE(tip_number, 0)
		FROM objective_entries
		WHERE community_id = $1 AND objective_id = ANY($2)
		ORDER BY objective_id, at, checkin_id, tip_number`, communityID, ids)
	if err != nil {
		return nil, fmt.Errorf("read objective history: %w", err)
	}
	defer rows.Close()
	out := map[int64][]Entry{}
	for rows.Next() {
		var id int64
		var e Entry
		if err := rows.Scan(&id, &e.At, &e.Set, &e.Amount, &e.Note, &e.Who, &e.TipNumber); err != nil {
			return nil, fmt.Errorf("scan history entry: %w", err)
		}
		list := out[id]
		if e.Set {
			e.Value = e.Amount
		} else if len(list) > 0 {
			e.Value = list[len(list)-1].Value + e.Amount
		} else {
			e.Value = e.Amount
		}
		out[id] = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read objective history: %w", err)
	}
	return out, nil
}
