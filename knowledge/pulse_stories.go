package knowledge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// What a story is about, when it answers copbot's question.
const (
	StoryAboutPairing = "pairing"
	StoryAboutTip     = "tip"
)

// Rules of the one optional question, "Did this change how you work?".
const (
	// ReuseWindow: a tip is reused when the member who searched saves it
	// (reacts with the save emoji) within this time of a search that
	// showed it.
	ReuseWindow = time.Hour
	// StoryQuestionGap: a member is asked at most once in this time,
	// whatever the subject; and never twice about one subject.
	StoryQuestionGap = 30 * Day
	// StoryAnswerWindow: /cop story answers a question asked this recently.
	StoryAnswerWindow = 14 * Day
	// storyLookback is how far back the planner looks for pairings that
	// ended and for searches, so that a planner that missed a few runs
	// (a restart) still asks.
	storyLookback = 7 * Day
	// MaxStory bounds a story: one line, or a few.
	MaxStory = 500
)

// Story is a member's answer: what changed in how they work.
type Story struct {
	ID     int64
	Member MemberRef
	Text   string
	// Subject and Number say what it answers (pairing 3, tip 12); Subject
	// is "" for a story told unasked.
	Subject   string
	Number    int
	CreatedAt time.Time
}

// storyColumns reads a story with its member and its subject's number.
const storyColumns = `st.id, m.id, m.platform_user_id, m.display_name, st.text, COALESCE(st.subject, ''),
	COALESCE(CASE st.subject
		WHEN 'pairing' THEN (SELECT number FROM pairings WHERE community_id = st.community_id AND id = st.subject_id)
		WHEN 'tip' THEN (SELECT number FROM tips WHERE community_id = st.community_id AND id = st.subject_id) END, 0),
	st.created_at
	FROM stories st JOIN members m ON m.community_id = st.community_id AND m.id = st.member_id`

func scanStory(row pgx.Row) (Story, error) {
	var s Story
	err := row.Scan(&s.ID, &s.Member.ID, &s.Member.PlatformUserID, &s.Member.DisplayName, &s.Text, &s.Subject, &s.Number, &s.CreatedAt)
	return s, err
}

// TellStory keeps a member's story. It answers the question copbot asked
// them last, if that was in the last StoryAnswerWindow and is not
// answered or declined yet; otherwise it is a story told unasked.
func (s *Store) TellStory(ctx context.Context, by Member, text string) (Story, error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return Story{}, invalidf("Tell it in a line, like `/cop story Pairing on tests made me write them first`.")
	case n < 3:
		return Story{}, invalidf("%q is a little short for a story; say what changed.", text)
	case n > MaxStory:
		return Story{}, invalidf("That story is %d characters long; keep it to %d, a line or two.", n, MaxStory)
	}
	if by.IsBot {
		return Story{}, invalidf("Bots have no stories to tell.")
	}
	now := s.now()
	var story Story
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		subject, subjectID, err := openQuestion(ctx, tx, by, now, true)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO stories (community_id, member_id, text, subject, subject_id, created_at)
			VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6) RETURNING id`,
			by.CommunityID, by.ID, text, subject, subjectID, now).Scan(&id); err != nil {
			return fmt.Errorf("insert story: %w", err)
		}
		if subject != "" {
			if _, err := tx.Exec(ctx, `UPDATE story_prompts SET answered_at = $5
				WHERE community_id = $1 AND member_id = $2 AND subject = $3 AND subject_id = $4`,
				by.CommunityID, by.ID, subject, subjectID, now); err != nil {
				return fmt.Errorf("mark question answered: %w", err)
			}
		}
		story, err = scanStory(tx.QueryRow(ctx, `SELECT `+storyColumns+` WHERE st.community_id = $1 AND st.id = $2`, by.CommunityID, id))
		if err != nil {
			return fmt.Errorf("read story: %w", err)
		}
		return nil
	})
	return story, err
}

// openQuestion finds the question a member was asked last and has not
// answered or declined, within the answer window; subject is "" when
// there is none.
func openQuestion(ctx context.Context, tx pgx.Tx, by Member, now time.Time, lock bool) (subject string, subjectID *int64, err error) {
	q := `SELECT subject, subject_id FROM story_prompts
		WHERE community_id = $1 AND member_id = $2 AND sent_at IS NOT NULL AND answered_at IS NULL AND skipped_at IS NULL
		  AND decided_at >= $3
		ORDER BY decided_at DESC LIMIT 1`
	if lock {
		q += ` FOR UPDATE`
	}
	var id int64
	err = tx.QueryRow(ctx, q, by.CommunityID, by.ID, now.Add(-StoryAnswerWindow)).Scan(&subject, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("find open question: %w", err)
	}
	return subject, &id, nil
}

// SkipStory declines the question a member was asked last. It reports
// false when no question was waiting for them.
func (s *Store) SkipStory(ctx context.Context, by Member) (bool, error) {
	now := s.now()
	skipped := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		subject, id, err := openQuestion(ctx, tx, by, now, true)
		if err != nil || subject == "" {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE story_prompts SET skipped_at = $5
			WHERE community_id = $1 AND member_id = $2 AND subject = $3 AND subject_id = $4`,
			by.CommunityID, by.ID, subject, *id, now); err != nil {
			return fmt.Errorf("decline question: %w", err)
		}
		skipped = true
		return nil
	})
	return skipped, err
}

// Stories lists a community's stories, newest first. Facilitators only.
func (s *Store) Stories(ctx context.Context, by Member, limit int) ([]Story, error) {
	if err := MayFacilitate(by); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+storyColumns+` WHERE st.community_id = $1
		ORDER BY st.created_at DESC, st.id DESC LIMIT $2`, by.CommunityID, limit)
	if err != nil {
		return nil, fmt.Errorf("list stories: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Story, error) { return scanStory(r) })
	if err != nil {
		return nil, fmt.Errorf("list stories: %w", err)
	}
	return out, nil
}

// storyStats counts the stories of both periods and finds the newest.
func (s *Store) storyStats(ctx context.Context, w window, st *Stats) error {
	err := s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE created_at >= $3), count(*) FILTER (WHERE created_at < $3)
		FROM stories WHERE community_id = $1 AND created_at >= $2 AND created_at < $4`,
		w.community, w.before, w.from, w.to).Scan(&st.Stories.Now, &st.Stories.Before)
	if err != nil {
		return fmt.Errorf("count stories: %w", err)
	}
	if st.Stories.Now == 0 {
		return nil
	}
	latest, err := scanStory(s.pool.QueryRow(ctx, `SELECT `+storyColumns+`
		WHERE st.community_id = $1 AND st.created_at >= $2 AND st.created_at < $3
		ORDER BY st.created_at DESC, st.id DESC LIMIT 1`, w.community, w.from, w.to))
	if err != nil {
		return fmt.Errorf("read latest story: %w", err)
	}
	st.LatestStory = &latest
	return nil
}

// StoryPromptArgs is the job that asks one member the question.
type StoryPromptArgs struct {
	CommunityID int64  `json:"community_id"`
	MemberID    int64  `json:"member_id"`
	Subject     string `json:"subject"`
	SubjectID   int64  `json:"subject_id"`
}

// Kind names the job for river.
func (StoryPromptArgs) Kind() string { return "story_prompt" }

// InsertOpts retries a failed delivery a few times: an optional question
// days late is noise.
func (StoryPromptArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 4} }

// PlanStoryPrompts decides, at the store's clock, whom to ask the question:
// the mentee of each pairing that ended after the mentor accepted it, and
// each member who saved a tip within ReuseWindow of a search that showed
// it to them (not their own tip). A member is asked at most once per
// subject and once per StoryQuestionGap, bots never. Each decision is
// recorded in the transaction that queues its question, so a second
// planner (a restart, another process) asks nothing twice. It returns how
// many questions it queued.
func (s *Store) PlanStoryPrompts(ctx context.Context) (int, error) {
	now := s.now()
	queued := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, storyPlanLock); err != nil {
			return fmt.Errorf("lock story planner: %w", err)
		}
		rows, err := tx.Query(ctx, `
			WITH candidates AS (
				SELECT p.community_id, p.mentee_id AS member_id, 'pairing' AS subject, p.id AS subject_id, p.closed_at AS at
				FROM pairings p
				WHERE p.state = 'ended' AND p.accepted_at IS NOT NULL AND p.closed_at >= $2 AND p.closed_at < $1
				UNION ALL
				SELECT s.community_id, s.member_id, 'tip', v.tip_id, min(v.voted_at)
				FROM searches s
				CROSS JOIN LATERAL unnest(s.tip_ids) AS x (tip_id)
				JOIN tip_votes v ON v.community_id = s.community_id AND v.tip_id = x.tip_id AND v.member_id = s.member_id
				JOIN tips t ON t.community_id = v.community_id AND t.id = v.tip_id
				WHERE s.at >= $2 AND s.at < $1 AND v.voted_at > s.at AND v.voted_at <= s.at + $3::interval
				  AND t.state = 'saved' AND t.removed_at IS NULL AND t.author_id IS DISTINCT FROM s.member_id
				GROUP BY 1, 2, 3, 4
			), eligible AS (
				SELECT DISTINCT ON (c.community_id, c.member_id) c.community_id, c.member_id, c.subject, c.subject_id
				FROM candidates c
				JOIN members m ON m.community_id = c.community_id AND m.id = c.member_id AND NOT m.is_bot
				WHERE NOT EXISTS (
					SELECT 1 FROM story_prompts sp
					WHERE sp.community_id = c.community_id AND sp.member_id = c.member_id
					  AND (sp.subject = c.subject AND sp.subject_id = c.subject_id OR sp.decided_at > $1::timestamptz - $4::interval))
				ORDER BY c.community_id, c.member_id, c.at, c.subject, c.subject_id
			)
			INSERT INTO story_prompts (community_id, member_id, subject, subject_id, decided_at)
			SELECT community_id, member_id, subject, subject_id, $1 FROM eligible
			ON CONFLICT DO NOTHING
			RETURNING community_id, member_id, subject, subject_id`,
			now, now.Add(-storyLookback), ReuseWindow, StoryQuestionGap)
		if err != nil {
			return fmt.Errorf("decide story questions: %w", err)
		}
		var jobs []river.InsertManyParams
		var a StoryPromptArgs
		_, err = pgx.ForEachRow(rows, []any{&a.CommunityID, &a.MemberID, &a.Subject, &a.SubjectID}, func() error {
			jobs = append(jobs, river.InsertManyParams{Args: a})
			return nil
		})
		if err != nil {
			return fmt.Errorf("decide story questions: %w", err)
		}
		for i := range jobs {
			if jobs[i].InsertOpts, err = s.noticeOpts(ctx, tx, jobs[i].Args.(StoryPromptArgs).CommunityID, nil); err != nil {
				return err
			}
		}
		if len(jobs) == 0 {
			return nil
		}
		if _, err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
			return fmt.Errorf("queue story questions: %w", err)
		}
		queued = len(jobs)
		return nil
	})
	return queued, err
}

// StoryPrompt is a question to send: to whom, and about what.
type StoryPrompt struct {
	Member  MemberRef
	Subject string
	// Number is the pairing's or the tip's; Other is the mentor's name
	// (a pairing) or the tip's first line (a tip).
	Number int
	Other  string
}

// ClaimStoryPrompt marks a decided question as being sent and returns what
// it needs; false when it was sent already (a retried job).
func (s *Store) ClaimStoryPrompt(ctx context.Context, a StoryPromptArgs) (StoryPrompt, bool, error) {
	p := StoryPrompt{Subject: a.Subject}
	err := s.pool.QueryRow(ctx, `
		WITH claimed AS (
			UPDATE story_prompts SET sent_at = $5
			WHERE community_id = $1 AND member_id = $2 AND subject = $3 AND subject_id = $4
			  AND (sent_at IS NULL OR NOT delivered AND sent_at < $6)
			RETURNING community_id, member_id, subject, subject_id
		)
		SELECT m.id, m.platform_user_id, m.display_name,
			COALESCE(p.number, t.number, 0),
			COALESCE(COALESCE(NULLIF(mr.display_name, ''), mr.platform_user_id), split_part(t.text, E'\n', 1), '')
		FROM claimed x
		JOIN members m ON m.community_id = x.community_id AND m.id = x.member_id
		LEFT JOIN pairings p ON x.subject = 'pairing' AND p.community_id = x.community_id AND p.id = x.subject_id
		LEFT JOIN members mr ON mr.community_id = p.community_id AND mr.id = p.mentor_id
		LEFT JOIN tips t ON x.subject = 'tip' AND t.community_id = x.community_id AND t.id = x.subject_id`,
		a.CommunityID, a.MemberID, a.Subject, a.SubjectID, s.now(), s.leaseStart()).Scan(
		&p.Member.ID, &p.Member.PlatformUserID, &p.Member.DisplayName,
		&p.Number, &p.Other)
	if errors.Is(err, pgx.ErrNoRows) {
		return StoryPrompt{}, false, heldOrDone(ctx, s.pool, s.now(), `SELECT sent_at, delivered FROM story_prompts
			WHERE community_id = $1 AND member_id = $2 AND subject = $3 AND subject_id = $4`, a.CommunityID, a.MemberID, a.Subject, a.SubjectID)
	}
	if err != nil {
		return StoryPrompt{}, false, fmt.Errorf("claim story question: %w", err)
	}
	return p, true, nil
}

// StoryPromptDelivered ends a story question's claim: it was sent.
func (s *Store) StoryPromptDelivered(ctx context.Context, a StoryPromptArgs) error {
	return markDelivered(ctx, s.pool, "story question", `UPDATE story_prompts SET delivered = true
		WHERE community_id = $1 AND member_id = $2 AND subject = $3 AND subject_id = $4`, a.CommunityID, a.MemberID, a.Subject, a.SubjectID)
}

// ReleaseStoryPrompt undoes a claim whose delivery failed, so that the
// job's retry sends it.
func (s *Store) ReleaseStoryPrompt(ctx context.Context, a StoryPromptArgs) error {
	_, err := s.pool.Exec(ctx, `UPDATE story_prompts SET sent_at = NULL
		WHERE community_id = $1 AND member_id = $2 AND subject = $3 AND subject_id = $4`,
		a.CommunityID, a.MemberID, a.Subject, a.SubjectID)
	if err != nil {
		return fmt.Errorf("release story question: %w", err)
	}
	return nil
}
