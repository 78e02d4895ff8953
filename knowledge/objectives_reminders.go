package knowledge

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Reasons for a reminder.
const (
	// ReminderNoCheckin: a whole cadence period passed without a check-in.
	ReminderNoCheckin = "reminder"
	// ReminderOverdue: the objective passed its due date short of its
	// target; flagged once per due date.
	ReminderOverdue = "overdue"
)

// ReminderArgs is the durable job that delivers one reminder that
// PlanReminders decided on.
type ReminderArgs struct {
	CommunityID int64  `json:"community_id"`
	ObjectiveID int64  `json:"objective_id"`
	Reason      string `json:"reason"`
	// PeriodStart is the day the period began (YYYY-MM-DD); for an overdue
	// flag, the due date.
	PeriodStart string `json:"period_start"`
	Platform    string `json:"platform"`
	ExternalID  string `json:"external_id"`
}

// Kind names the job for river.
func (ReminderArgs) Kind() string { return "objective_reminder" }

// InsertOpts retries a failed delivery a few times, not for days: a
// reminder a day late is noise.
func (ReminderArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// candidate is an open objective as the reminder planner sees it.
type candidate struct {
	communityID, id      int64
	cadence              string
	target               float64
	due                  time.Time
	pausedUntil          *time.Time
	createdAt            time.Time
	platform, externalID string
	loc                  *time.Location
}

// PlanReminders decides, at the store's clock, which reminders are due: one
// for each open objective short of its target whose last whole cadence
// period (in its community's time zone) passed without a check-in, and one
// overdue flag for each such objective past its due date. Periods that
// reach into a pause are skipped. Each decision is recorded under a unique
// key (objective, reason, period) in the transaction that queues its
// delivery job, so running the planner twice, or in two processes at once,
// queues nothing twice. It returns how many reminders it queued.
func (s *Store) PlanReminders(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT o.community_id, o.id, o.cadence, o.target::float8, o.due_on, o.paused_until, o.created_at, c.platform, c.external_id,
			COALESCE(tz.value, '')
		FROM objectives o
		JOIN communities c ON c.id = o.community_id
		LEFT JOIN community_settings tz ON tz.community_id = o.community_id AND tz.key = 'timezone'
		WHERE o.state = 'open'
		ORDER BY o.community_id, o.id`)
	if err != nil {
		return 0, fmt.Errorf("list objectives to remind: %w", err)
	}
	cands, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (candidate, error) {
		var c candidate
		var tz string
		err := r.Scan(&c.communityID, &c.id, &c.cadence, &c.target, &c.due, &c.pausedUntil, &c.createdAt, &c.platform, &c.externalID, &tz)
		c.loc = location(tz)
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("list objectives to remind: %w", err)
	}
	now := s.now()
	queued := 0
	for _, c := range cands {
		ok, err := s.planReminder(ctx, c, now)
		if err != nil {
			return queued, err
		}
		if ok {
			queued++
		}
	}
	return queued, nil
}

func (s *Store) planReminder(ctx context.Context, c candidate, now time.Time) (bool, error) {
	today := dayOf(now, c.loc)
	paused := func(from time.Time) bool { return c.pausedUntil != nil && !c.pausedUntil.Before(from) }
	args := ReminderArgs{CommunityID: c.communityID, ObjectiveID: c.id, Platform: c.platform, ExternalID: c.externalID}
	var from, to time.Time // the period a reminder is about, as instants
	if deadline := startOfDay(c.due.AddDate(0, 0, 1), c.loc); !now.Before(deadline) {
		if paused(today) {
			return false, nil
		}
		args.Reason, args.PeriodStart = ReminderOverdue, c.due.Format(DateLayout)
	} else {
		cur, _ := periodOf(c.cadence, today, dayOf(c.createdAt, c.loc))
		start, end := periodOf(c.cadence, cur.AddDate(0, 0, -1), dayOf(c.createdAt, c.loc))
		from, to = startOfDay(start, c.loc), startOfDay(end, c.loc)
		// Only whole periods of the objective's life count, and none that
		// reach into a pause.
		if from.Before(c.createdAt) || paused(start) {
			return false, nil
		}
		args.Reason, args.PeriodStart = ReminderNoCheckin, start.Format(DateLayout)
	}
	// Most runs find the period's reminder decided already: one read, no
	// transaction. The unique key below settles races.
	var decided bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM objective_reminders
		WHERE community_id = $1 AND objective_id = $2 AND kind = $3 AND period_start = $4)`,
		c.communityID, c.id, args.Reason, args.PeriodStart).Scan(&decided); err != nil || decided {
		if err != nil {
			err = fmt.Errorf("look up reminder: %w", err)
		}
		return false, err
	}
	queued := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		entries, err := historyOf(ctx, tx, c.communityID, []int64{c.id})
		if err != nil {
			return err
		}
		list := entries[c.id]
		if len(list) > 0 && list[len(list)-1].Value >= c.target {
			return nil // achieved: nothing to remind of
		}
		if args.Reason == ReminderNoCheckin {
			for _, e := range list {
				if !e.At.Before(from) && e.At.Before(to) {
					return nil
				}
			}
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO objective_reminders (community_id, objective_id, kind, period_start, decided_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			c.communityID, c.id, args.Reason, args.PeriodStart, now)
		if err != nil {
			return fmt.Errorf("record reminder: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil // decided before, by this process or another
		}
		if _, err := s.jobs.InsertTx(ctx, tx, args, &river.InsertOpts{Queue: NoticeQueue(args.Platform)}); err != nil {
			return fmt.Errorf("queue reminder: %w", err)
		}
		queued = true
		return nil
	})
	return queued, err
}

// periodOf returns the cadence period holding day as [start, end) days.
// Weeks start on Monday; biweekly periods count two weeks from the Monday
// of anchor's week (the objective's first day); months are calendar months.
func periodOf(cadence string, day, anchor time.Time) (start, end time.Time) {
	monday := func(d time.Time) time.Time { return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) }
	switch cadence {
	case CadenceMonthly:
		start = time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	case CadenceBiweekly:
		start = monday(day)
		if weeks := int(start.Sub(monday(anchor)).Hours()/24) / 7; weeks%2 != 0 {
			start = start.AddDate(0, 0, -7)
		}
		return start, start.AddDate(0, 0, 14)
	}
	start = monday(day)
	return start, start.AddDate(0, 0, 7)
}

// ClaimReminder marks a decided reminder as being sent and returns its
// objective's progress for the message. It reports false when the reminder
// was sent already (a retried or rescued job) or no longer applies: the
// objective was closed, or reached its target.
func (s *Store) ClaimReminder(ctx context.Context, a ReminderArgs) (Progress, bool, error) {
	var p Progress
	claimed := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE objective_reminders SET sent_at = $5
			WHERE community_id = $1 AND objective_id = $2 AND kind = $3 AND period_start = $4
			  AND (sent_at IS NULL OR NOT delivered AND sent_at < $6)`,
			a.CommunityID, a.ObjectiveID, a.Reason, a.PeriodStart, s.now(), s.leaseStart())
		if err != nil {
			return fmt.Errorf("claim reminder: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return heldOrDone(ctx, tx, s.now(), `SELECT sent_at, delivered FROM objective_reminders
				WHERE community_id = $1 AND objective_id = $2 AND kind = $3 AND period_start = $4`,
				a.CommunityID, a.ObjectiveID, a.Reason, a.PeriodStart)
		}
		o, err := objectiveBy(ctx, tx, a.CommunityID, "o.id", a.ObjectiveID, false)
		if err != nil {
			return err
		}
		if p, err = s.progressOf(ctx, tx, o); err != nil {
			return err
		}
		claimed = o.Open() && p.Status != StatusAchieved
		return nil
	})
	return p, claimed, err
}

// ReminderDelivered ends a reminder's claim: it was sent.
func (s *Store) ReminderDelivered(ctx context.Context, a ReminderArgs) error {
	return markDelivered(ctx, s.pool, "reminder", `UPDATE objective_reminders SET delivered = true
		WHERE community_id = $1 AND objective_id = $2 AND kind = $3 AND period_start = $4`,
		a.CommunityID, a.ObjectiveID, a.Reason, a.PeriodStart)
}

// ReleaseReminder undoes a claim whose delivery failed, so that the job's
// retry sends it.
func (s *Store) ReleaseReminder(ctx context.Context, a ReminderArgs) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE objective_reminders SET sent_at = NULL
		WHERE community_id = $1 AND objective_id = $2 AND kind = $3 AND period_start = $4`,
		a.CommunityID, a.ObjectiveID, a.Reason, a.PeriodStart)
	if err != nil {
		return fmt.Errorf("release reminder: %w", err)
	}
	return nil
}
