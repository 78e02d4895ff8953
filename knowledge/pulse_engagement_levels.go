package knowledge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// LevelStats is the distribution of engagement levels at the end of the
// period and at its start, and who moved up in between.
type LevelStats struct {
	// Known is false while a large community's first refresh is pending.
	Known bool
	// AsOf is when the levels were computed: the end of the period they
	// describe.
	AsOf time.Time
	// Counts are the members at each level, indexed by Level.
	Counts [4]Count
	// MovedUp are the members (the highest first) whose level rose, of
	// MovedUpTotal.
	MovedUp      []LevelMove
	MovedUpTotal int
}

// LevelMove is a member whose level changed.
type LevelMove struct {
	Member   MemberRef
	From, To Level
}

// movedUpShown is how many members who moved up stats name.
const movedUpShown = 8

// levels reads the engagement summary, refreshing it first for a small
// community; a large one whose figures are missing or stale gets a
// refresh queued, and stats show what there is. Four small queries: the
// community's size, the summary, the members left out (to take them away
// from it), and the heads of the lists.
func (s *Store) levels(ctx context.Context, w window, st *Stats) error {
	large, err := s.large(ctx, w.community)
	if err != nil {
		return err
	}
	if !large {
		if err := s.RefreshEngagement(ctx, w.community); err != nil {
			return err
		}
	}
	var sum engagementSummary
	var body []byte
	ls := &st.Levels
	err = s.pool.QueryRow(ctx, `SELECT computed_at, summary FROM engagement_refreshes WHERE community_id = $1`,
		w.community).Scan(&ls.AsOf, &body)
	switch {
	case errors.Is(err, pgx.ErrNoRows): // a large community's first refresh
		return s.queueRefresh(ctx, w.community)
	case err != nil:
		return fmt.Errorf("read engagement summary: %w", err)
	case large && w.to.Sub(ls.AsOf) > staleEngagement:
		if err := s.queueRefresh(ctx, w.community); err != nil {
			return err
		}
	}
	if err := json.Unmarshal(body, &sum); err != nil {
		return fmt.Errorf("decode engagement summary: %w", err)
	}
	ps, ok := sum.Periods[st.Period.key]
	if !ok {
		return nil // a refresh from before this period existed
	}
	ls.Known = true
	offset := 0
	for _, sp := range statsPeriods {
		if sp.p == st.Period {
			offset = sp.offset
		}
	}
	now, start := &sum.Levels[0], &sum.Levels[offset]
	nowMembers, startMembers := sum.Members[0], sum.Members[offset]

	// Take away the members left out.
	then := "level_" + st.Period.key
	rows, err := s.pool.Query(ctx, `
		SELECT m.id, m.first_seen, COALESCE(e.level, 0), COALESCE(e.`+then+`, 0)
		FROM members m LEFT JOIN engagement e ON e.community_id = m.community_id AND e.member_id = m.id
		WHERE m.community_id = $1 AND m.id = ANY($2) AND NOT m.is_bot`,
		w.community, w.excluded)
	if err != nil {
		return fmt.Errorf("read members left out: %w", err)
	}
	left := map[int64]bool{}
	var id int64
	var seen time.Time
	var lNow, lStart Level
	startAt := ls.AsOf.Add(-st.Period.Length())
	_, err = pgx.ForEachRow(rows, []any{&id, &seen, &lNow, &lStart}, func() error {
		left[id] = true
		if seen.Before(ls.AsOf) {
			nowMembers--
		}
		if seen.Before(startAt) {
			startMembers--
		}
		if lNow > LevelNewcomer {
			now[lNow]--
		}
		if lStart > LevelNewcomer {
			start[lStart]--
		}
		if lNow > lStart {
			ps.MovedTotal--
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read members left out: %w", err)
	}
	ls.Counts[LevelNewcomer] = Count{Now: nowMembers, Before: startMembers}
	for _, l := range Levels()[1:] {
		ls.Counts[l] = Count{Now: now[l], Before: start[l]}
		ls.Counts[LevelNewcomer].Now -= now[l]
		ls.Counts[LevelNewcomer].Before -= start[l]
	}
	ls.Counts[LevelNewcomer].Now = max(ls.Counts[LevelNewcomer].Now, 0)
	ls.Counts[LevelNewcomer].Before = max(ls.Counts[LevelNewcomer].Before, 0)
	ls.MovedUpTotal = ps.MovedTotal

	// The heads of the lists, without the members left out.
	keep := func(ids []int64, n int) []int64 {
		var out []int64
		for _, id := range ids {
			if !left[id] && len(out) < n {
				out = append(out, id)
			}
		}
		return out
	}
	moved, received := keep(ps.Moved, movedUpShown), keep(ps.Received, topN)
	recv, prev := "received_"+st.Period.key, "received_prev_"+st.Period.key
	rows, err = s.pool.Query(ctx, `
		SELECT m.id, m.platform_user_id, m.display_name, e.level, e.`+then+`, e.`+recv+`, e.`+prev+`
		FROM engagement e JOIN members m ON m.community_id = e.community_id AND m.id = e.member_id
		WHERE e.community_id = $1 AND e.member_id = ANY($2)`, w.community, append(slices.Clone(moved), received...))
	if err != nil {
		return fmt.Errorf("read list heads: %w", err)
	}
	type head struct {
		ref            MemberRef
		level, then    Level
		recv, previous int
	}
	heads := map[int64]head{}
	var h head
	_, err = pgx.ForEachRow(rows, []any{&h.ref.ID, &h.ref.PlatformUserID, &h.ref.DisplayName, &h.level, &h.then, &h.recv, &h.previous},
		func() error {
			heads[h.ref.ID] = h
			return nil
		})
	if err != nil {
		return fmt.Errorf("read list heads: %w", err)
	}
	for _, id := range moved {
		h := heads[id]
		ls.MovedUp = append(ls.MovedUp, LevelMove{Member: h.ref, From: h.then, To: h.level})
	}
	for _, id := range received {
		h := heads[id]
		st.TopReceivers = append(st.TopReceivers, Contributor{Member: h.ref, Count: Count{Now: h.recv, Before: h.previous}})
	}
	return nil
}

// MemberLevel is one member's engagement as last computed; a member with
// no figures is a newcomer.
func (s *Store) MemberLevel(ctx context.Context, communityID, memberID int64) (Level, float64, error) {
	var l Level
	var score float64
	err := s.pool.QueryRow(ctx, `SELECT level, score FROM engagement WHERE community_id = $1 AND member_id = $2`,
		communityID, memberID).Scan(&l, &score)
	if errors.Is(err, pgx.ErrNoRows) {
		return LevelNewcomer, 0, nil
	}
	if err != nil {
		return LevelNewcomer, 0, fmt.Errorf("read member level: %w", err)
	}
	return l, score, nil
}
