package knowledge

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Tip is one entry of the practice repository.
type Tip struct {
	ID            int64
	CommunityID   int64
	Number        int
	Text          string
	AuthorID      *int64
	AuthorName    string
	SavedBy       *int64
	ChannelID     string
	ChannelName   string
	ThreadID      string
	Permalink     string
	SourceMessage string
	Tags          []string
	Votes         int
	SavedAt       time.Time
	RemovedAt     *time.Time
	RemovedReason string
}

// MaxTipText bounds a tip's text; Slack messages stop at 40,000 characters,
// and a tip is meant to be read.
const MaxTipText = 40000

const tipColumns = `t.id, t.community_id, t.number, t.text, t.author_id, t.author_name, t.saved_by,
	t.channel_id, t.channel_name, t.thread_id, t.permalink, COALESCE(t.source_message, ''), t.tags, t.votes,
	t.saved_at, t.removed_at, COALESCE(t.removed_reason, '')`

func scanTip(row pgx.Row) (Tip, error) {
	var t Tip
	err := row.Scan(&t.ID, &t.CommunityID, &t.Number, &t.Text, &t.AuthorID, &t.AuthorName, &t.SavedBy,
		&t.ChannelID, &t.ChannelName, &t.ThreadID, &t.Permalink, &t.SourceMessage, &t.Tags, &t.Votes,
		&t.SavedAt, &t.RemovedAt, &t.RemovedReason)
	return t, err
}

// Tip returns a saved tip by its number, removed or not.
func (s *Store) Tip(ctx context.Context, communityID int64, number int) (Tip, error) {
	return tipByNumber(ctx, s.pool, communityID, number, false)
}

func tipByNumber(ctx context.Context, db querier, communityID int64, number int, lock bool) (Tip, error) {
	q := `SELECT ` + tipColumns + ` FROM tips t WHERE t.community_id = $1 AND t.number = $2`
	if lock {
		q += ` FOR UPDATE`
	}
	t, err := scanTip(db.QueryRow(ctx, q, communityID, number))
	if err != nil {
		return Tip{}, notFound(err, "read tip")
	}
	return t, nil
}

// NewTip is a tip saved directly with /cop save.
type NewTip struct {
	Text        string
	Tags        []string
	ChannelID   string
	ChannelName string
	// Private: said in a private channel or a DM; partners never see it.
	Private bool
}

// SaveTip saves a tip typed by a member; by is its author and saver.
func (s *Store) SaveTip(ctx context.Context, by Member, n NewTip) (Tip, error) {
	text := strings.TrimSpace(n.Text)
	if err := checkTipText(text); err != nil {
		return Tip{}, err
	}
	tags := mergeTags(normalizeTags(n.Tags), hashtagsOf(text))
	if len(tags) > MaxTags {
		return Tip{}, invalidf("A tip can have at most %d tags; this one has %d.", MaxTags, len(tags))
	}
	var tip Tip
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		number, err := nextTipNumber(ctx, tx, by.CommunityID)
		if err != nil {
			return err
		}
		tip, err = scanTip(tx.QueryRow(ctx, `
			INSERT INTO tips AS t (community_id, number, state, text, tags, author_id, author_name, saved_by,
				channel_id, channel_name, private, saved_at, lang)
			VALUES ($1, $2, 'saved', $3, $4, $5, $6, $5, $7, $8, $9, copbot_now(), `+languageOf("$1")+`)
			RETURNING `+tipColumns,
			by.CommunityID, number, text, tags, by.ID, by.DisplayName, n.ChannelID, n.ChannelName, n.Private))
		if err != nil {
			return fmt.Errorf("insert tip: %w", err)
		}
		return grantTags(ctx, tx, by.CommunityID, tip.ID, by.ID, tags)
	})
	return tip, err
}

func checkTipText(text string) error {
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return invalidf("A tip needs some text, for example `/cop save Pair on the first bug fix #onboarding`.")
	case n < 3:
		return invalidf("%q is too short to help anyone; say a little more.", text)
	case n > MaxTipText:
		return invalidf("That tip is %d characters long; the limit is %d.", n, MaxTipText)
	}
	return nil
}

func normalizeTags(tags []string) []string {
	out := []string{}
	for _, t := range tags {
		if n := NormalizeTag(t); n != "" {
			out = mergeTags(out, []string{n})
		}
	}
	return out
}

// TagTip adds tags to a visible tip. Any member may tag: tags are how a
// community files its practice, and every change can be undone.
func (s *Store) TagTip(ctx context.Context, by Member, number int, tags []string) (Tip, error) {
	return s.changeTags(ctx, by, number, normalizeTags(tags), func(have, change []string) []string {
		return mergeTags(have, change)
	})
}

// UntagTip removes tags from a visible tip.
func (s *Store) UntagTip(ctx context.Context, by Member, number int, tags []string) (Tip, error) {
	return s.changeTags(ctx, by, number, normalizeTags(tags), func(have, change []string) []string {
		drop := map[string]bool{}
		for _, t := range change {
			drop[t] = true
		}
		kept := []string{}
		for _, t := range have {
			if !drop[t] {
				kept = append(kept, t)
			}
		}
		return kept
	})
}

func (s *Store) changeTags(ctx context.Context, by Member, number int, change []string, apply func(have, change []string) []string) (Tip, error) {
	if len(change) == 0 {
		return Tip{}, invalidf("Name at least one #tag.")
	}
	return s.changeVisibleTip(ctx, by.CommunityID, number, func(tx pgx.Tx, t *Tip) error {
		tags := apply(t.Tags, change)
		if len(tags) > MaxTags && len(tags) > len(t.Tags) {
			return invalidf("A tip can have at most %d tags.", MaxTags)
		}
		if _, err := tx.Exec(ctx, `UPDATE tips SET tags = $3 WHERE community_id = $1 AND id = $2`, by.CommunityID, t.ID, tags); err != nil {
			return fmt.Errorf("update tags: %w", err)
		}
		if err := forgetTagsBut(ctx, tx, by.CommunityID, t.ID, tags); err != nil {
			return err
		}
		if err := grantTags(ctx, tx, by.CommunityID, t.ID, by.ID, tags); err != nil {
			return err
		}
		t.Tags = tags
		return nil
	})
}

// changeVisibleTip locks a tip that is in the repository and lets change
// alter it in the same transaction; a tip that left it is ErrNotFound.
func (s *Store) changeVisibleTip(ctx context.Context, communityID int64, number int, change func(pgx.Tx, *Tip) error) (Tip, error) {
	var tip Tip
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		t, err := tipByNumber(ctx, tx, communityID, number, true)
		if err != nil {
			return err
		}
		if t.RemovedAt != nil {
			return ErrNotFound
		}
		if err := change(tx, &t); err != nil {
			return err
		}
		tip = t
		return nil
	})
	return tip, err
}

// SetChannelPolicy excludes a channel from capture ("exclude"), allows a
// private one ("allow"), or returns it to the default (""). Facilitators
// only. It reports whether the channel's policy changed; name is the
// channel's name where known, for listing the policies.
func (s *Store) SetChannelPolicy(ctx context.Context, by Member, channelID, name, policy string) (bool, error) {
	if err := MayFacilitate(by); err != nil {
		return false, err
	}
	var tag pgconn.CommandTag
	var err error
	if policy == "" {
		tag, err = s.pool.Exec(ctx, `DELETE FROM channel_policies WHERE community_id = $1 AND channel_id = $2`, by.CommunityID, channelID)
	} else {
		tag, err = s.pool.Exec(ctx, `
			INSERT INTO channel_policies AS p (community_id, channel_id, channel_name, policy, set_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (community_id, channel_id) DO UPDATE SET policy = excluded.policy, set_by = excluded.set_by, set_at = copbot_now(),
				channel_name = COALESCE(NULLIF(excluded.channel_name, ''), p.channel_name)
			WHERE p.policy <> excluded.policy OR excluded.channel_name <> '' AND excluded.channel_name <> p.channel_name`,
			by.CommunityID, channelID, name, policy, by.ID)
	}
	if err != nil {
		return false, fmt.Errorf("set channel policy: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// ChannelPolicy is a channel's capture policy, for /cop config.
type ChannelPolicy struct {
	ChannelID, Name, Policy string
}

// ChannelPolicies lists the community's excluded and allowed channels.
func (s *Store) ChannelPolicies(ctx context.Context, communityID int64) ([]ChannelPolicy, error) {
	rows, err := s.pool.Query(ctx, `SELECT channel_id, channel_name, policy FROM channel_policies
		WHERE community_id = $1 ORDER BY policy, lower(channel_name), channel_id`, communityID)
	if err != nil {
		return nil, fmt.Errorf("list channel policies: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ChannelPolicy])
	if err != nil {
		return nil, fmt.Errorf("list channel policies: %w", err)
	}
	return out, nil
}

// nextTipNumber reserves one number, for a tip saved directly.
func nextTipNumber(ctx context.Context, tx pgx.Tx, communityID int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `
		INSERT INTO tip_counters (community_id, last_number) VALUES ($1, 1)
		ON CONFLICT (community_id) DO UPDATE SET last_number = tip_counters.last_number + 1
		RETURNING last_number`, communityID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("number tip: %w", err)
	}
	return n, nil
}
