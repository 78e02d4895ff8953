package loadgen

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Community is the shape of a synthetic community with a history: members
// who arrived over Span, their tips, votes, searches, mentoring and
// objectives, all dated between End-Span and End.
type Community struct {
	Members int
	Tips    int
	// Span is how far back the history reaches from End.
	Span time.Duration
	End  time.Time
	// VotesPerTip is the mean number of votes a tip gets (at least one: the
	// reaction that saved it).
	VotesPerTip float64
	// SearchesPerDay are made over the last SearchDays days.
	SearchesPerDay int
	SearchDays     int
	// Pairings are made over Span; about a tenth are still open, and a
	// few requests wait.
	Pairings   int
	Objectives int
}

// BigCommunity is the community the pulse promises its speed for: 100,000
// members and 1,000,000 tips over three years, two votes a tip on average,
// 1,000 searches a day, 5,000 pairings and 40 objectives.
func BigCommunity(end time.Time) Community {
	return Community{
		Members: 100_000, Tips: 1_000_000, Span: 3 * 365 * 24 * time.Hour, End: end,
		VotesPerTip: 2, SearchesPerDay: 1000, SearchDays: 200, Pairings: 5000, Objectives: 40,
	}
}

// FillHistory bulk-loads a community's history with COPY (10,000 rows a
// round trip) and analyzes and vacuums the tables, so that the planner
// knows them and index-only scans work. Authors and voters follow a Zipf
// law (a few members write most tips); every date lies in the community's
// span. The same seed makes the same history. It is much faster in a
// session that may skip foreign-key triggers (a superuser's), and falls
// back to checking them otherwise.
func FillHistory(ctx context.Context, pool *pgxpool.Pool, communityID int64, c Community, seed uint64) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err == nil {
		defer conn.Exec(context.WithoutCancel(ctx), "RESET session_replication_role") //nolint:errcheck // the connection is released either way
	}
	f := &filler{conn: conn.Conn(), community: communityID, c: c, rng: rand.New(rand.NewPCG(seed, 3))}
	f.start = c.End.Add(-c.Span)
	steps := []func(context.Context) error{f.loadMembers, f.tips, f.searches, f.mentoring, f.objectives}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	for _, table := range []string{"members", "tips", "tip_votes", "searches", "mentoring_requests", "pairings", "objectives", "checkins"} {
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+table); err != nil {
			return fmt.Errorf("vacuum %s: %w", table, err)
		}
	}
	return nil
}

type filler struct {
	conn      *pgx.Conn
	community int64
	c         Community
	rng       *rand.Rand
	start     time.Time
	memberIDs []int64
	arrived   []time.Time
}

// at is a random time in the span, more likely towards the end: the
// community grew steadily, so activity grows linearly with time.
func (f *filler) at() time.Time {
	share := math.Sqrt(f.rng.Float64())
	return f.start.Add(time.Duration(share * float64(f.c.Span)))
}

// copyRows copies rows in chunks of 10,000.
func (f *filler) copyRows(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error {
	rows := make([][]any, 0, 10000)
	flush := func() error {
		_, err := f.conn.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		rows = rows[:0]
		if err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		return nil
	}
	for i := range n {
		if r := row(i); r != nil {
			rows = append(rows, r)
		}
		if len(rows) == cap(rows) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(rows) > 0 {
		return flush()
	}
	return nil
}

// loadMembers loads the members in the order they arrived, as a real
// community's rows are: ids and physical order follow time.
func (f *filler) loadMembers(ctx context.Context) error {
	arrived := f.times(f.c.Members)
	err := f.copyRows(ctx, "members", []string{"community_id", "platform_user_id", "display_name", "is_bot", "is_admin",
		"first_seen", "joined_at", "last_seen"}, f.c.Members, func(i int) []any {
		at := arrived[i]
		return []any{f.community, fmt.Sprintf("U%07d", i), fmt.Sprintf("member%d", i), i%10000 == 9999, i < 5, at, at, at}
	})
	if err != nil {
		return err
	}
	rows, err := f.conn.Query(ctx, `SELECT id FROM members WHERE community_id = $1 ORDER BY id`, f.community)
	if err != nil {
		return fmt.Errorf("read members: %w", err)
	}
	f.memberIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("read members: %w", err)
	}
	f.arrived = arrived
	return nil
}

// times returns n random times of the span in order.
func (f *filler) times(n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = f.at()
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// someone picks a member who was there at t: a few members are far more
// active than the rest (Zipf), and who they are depends on salt, so the
// busiest authors are not all the busiest voters.
func (f *filler) someone(zipf *rand.Zipf, salt int, t time.Time) int64 {
	n := sort.Search(len(f.arrived), func(i int) bool { return f.arrived[i].After(t) })
	if n == 0 {
		n = 1
	}
	k := int(zipf.Uint64())
	return f.memberIDs[(k*7919+salt)%n]
}

// tips loads the tips in the order they were saved, then their votes in
// the order they were cast: the first when the tip was saved, the others
// within the following days (never after End).
func (f *filler) tips(ctx context.Context) error {
	authors := rand.NewZipf(f.rng, 1.1, 1, uint64(len(f.memberIDs)-1))
	voters := rand.NewZipf(f.rng, 1.05, 1, uint64(len(f.memberIDs)-1))
	type vote struct {
		tip    int
		member int64
		at     time.Time
	}
	var votes []vote
	savedAt := f.times(f.c.Tips)
	err := f.copyRows(ctx, "tips", []string{"community_id", "number", "state", "text", "tags", "author_id", "author_name",
		"votes", "created_at", "saved_at"}, f.c.Tips, func(i int) []any {
		at := savedAt[i]
		author := f.someone(authors, 0, at)
		n := 1 + int(f.rng.ExpFloat64()*(f.c.VotesPerTip-1)+0.5)
		seen := map[int64]bool{}
		for v := range n {
			vat := at
			if v > 0 {
				vat = at.Add(time.Duration(f.rng.ExpFloat64() * float64(3*24*time.Hour)))
				if vat.After(f.c.End) {
					vat = f.c.End.Add(-time.Minute)
				}
			}
			voter := f.someone(voters, 1013, vat)
			if seen[voter] {
				continue
			}
			seen[voter] = true
			votes = append(votes, vote{i, voter, vat})
		}
		words := make([]string, 6)
		for j := range words {
			words[j] = Vocabulary[f.rng.IntN(200)]
		}
		return []any{f.community, i + 1, "saved", strings.Join(words, " "), []string{Tags[f.rng.IntN(len(Tags))]},
			author, "", len(seen), at, at}
	})
	if err != nil {
		return err
	}
	if _, err := f.conn.Exec(ctx, `
		INSERT INTO tip_counters (community_id, last_number) VALUES ($1, $2)
		ON CONFLICT (community_id) DO UPDATE SET last_number = greatest(tip_counters.last_number, excluded.last_number)`,
		f.community, f.c.Tips); err != nil {
		return fmt.Errorf("move tip counter: %w", err)
	}
	var firstID int64
	if err := f.conn.QueryRow(ctx, `SELECT min(id) FROM tips WHERE community_id = $1`, f.community).Scan(&firstID); err != nil {
		return fmt.Errorf("read tip ids: %w", err)
	}
	slices.SortFunc(votes, func(a, b vote) int { return a.at.Compare(b.at) })
	return f.copyRows(ctx, "tip_votes", []string{"community_id", "tip_id", "member_id", "voted_at"}, len(votes), func(i int) []any {
		v := votes[i]
		return []any{f.community, firstID + int64(v.tip), v.member, v.at}
	})
}

func (f *filler) searches(ctx context.Context) error {
	n := f.c.SearchesPerDay * f.c.SearchDays
	from := f.c.End.Add(-time.Duration(f.c.SearchDays) * 24 * time.Hour)
	at := make([]time.Time, n)
	for i := range at {
		at[i] = from.Add(time.Duration(f.rng.Int64N(int64(f.c.End.Sub(from)))))
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	searchers := rand.NewZipf(f.rng, 1.05, 1, uint64(len(f.memberIDs)-1))
	return f.copyRows(ctx, "searches", []string{"community_id", "member_id", "at", "page", "tip_ids"}, n, func(i int) []any {
		return []any{f.community, f.someone(searchers, 2027, at[i]), at[i], 1, []int64{}}
	})
}

// mentoring loads requests and their pairings: most ended, a tenth still
// active, and a few requests waiting.
func (f *filler) mentoring(ctx context.Context) error {
	n := f.c.Pairings
	type req struct {
		mentee, mentor   int64
		at, paired, done time.Time
		state            string
	}
	reqs := make([]req, n+n/50)
	for i := range reqs {
		r := req{mentee: f.memberIDs[f.rng.IntN(len(f.memberIDs))], mentor: f.memberIDs[f.rng.IntN(100)], at: f.at()}
		for r.mentor == r.mentee {
			r.mentor = f.memberIDs[f.rng.IntN(100)]
		}
		r.paired = r.at.Add(time.Duration(f.rng.ExpFloat64() * float64(48*time.Hour)))
		r.done = r.paired.Add(time.Duration(f.rng.ExpFloat64() * float64(30*24*time.Hour)))
		switch {
		case i >= n:
			r.state = "waiting"
		case i%10 == 0 || r.done.After(f.c.End) || r.paired.After(f.c.End):
			r.state = "matched"
			if r.paired.After(f.c.End) {
				r.paired = f.c.End.Add(-time.Minute)
			}
		default:
			r.state = "closed"
		}
		reqs[i] = r
	}
	if _, err := f.conn.Exec(ctx, `INSERT INTO mentoring_counters (community_id, last_pairing, last_request) VALUES ($1, $2, $3)
		ON CONFLICT (community_id) DO NOTHING`, f.community, n, len(reqs)); err != nil {
		return fmt.Errorf("mentoring counters: %w", err)
	}
	open := map[int64]bool{} // one open request per member
	err := f.copyRows(ctx, "mentoring_requests", []string{"community_id", "seq", "mentee_id", "topics", "state", "created_at", "closed_at"},
		len(reqs), func(i int) []any {
			r := reqs[i]
			if r.state != "closed" {
				if open[r.mentee] {
					reqs[i].state = "skip"
					return nil
				}
				open[r.mentee] = true
			}
			var closed *time.Time
			if r.state == "closed" {
				closed = &r.done
			}
			return []any{f.community, i + 1, r.mentee, []string{Tags[i%len(Tags)]}, r.state, r.at, closed}
		})
	if err != nil {
		return err
	}
	rows, err := f.conn.Query(ctx, `SELECT id FROM mentoring_requests WHERE community_id = $1 ORDER BY seq`, f.community)
	if err != nil {
		return fmt.Errorf("read requests: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("read requests: %w", err)
	}
	type pairing struct {
		req int64
		r   req
	}
	var ps []pairing
	j := 0
	for _, r := range reqs {
		if r.state == "skip" {
			continue
		}
		if r.state != "waiting" {
			ps = append(ps, pairing{ids[j], r})
		}
		j++
	}
	return f.copyRows(ctx, "pairings", []string{"community_id", "number", "request_id", "mentor_id", "mentee_id", "topics",
		"state", "created_at", "accepted_at", "closed_at"}, len(ps), func(i int) []any {
		p := ps[i]
		state, closed := "active", (*time.Time)(nil)
		if p.r.state == "closed" {
			state, closed = "ended", &p.r.done
		}
		return []any{f.community, i + 1, p.req, p.r.mentor, p.r.mentee, []string{"testing"}, state, p.r.paired, p.r.paired, closed}
	})
}

func (f *filler) objectives(ctx context.Context) error {
	owner := f.memberIDs[0]
	err := f.copyRows(ctx, "objectives", []string{"community_id", "number", "title", "target", "due_on", "owner_id",
		"created_by", "created_at", "state", "closed_at"}, f.c.Objectives, func(i int) []any {
		created := f.c.End.Add(-time.Duration(f.rng.IntN(300)+10) * 24 * time.Hour)
		state, closed := "open", (*time.Time)(nil)
		if i%4 == 3 {
			at := created.Add(5 * 24 * time.Hour)
			state, closed = "achieved", &at
		}
		return []any{f.community, i + 1, fmt.Sprintf("Objective %d", i+1), 10 + i, f.c.End.AddDate(0, 6, 0), owner, owner,
			created, state, closed}
	})
	if err != nil {
		return err
	}
	if _, err := f.conn.Exec(ctx, `INSERT INTO objective_counters (community_id, last_number) VALUES ($1, $2)
		ON CONFLICT (community_id) DO NOTHING`, f.community, f.c.Objectives); err != nil {
		return fmt.Errorf("objective counters: %w", err)
	}
	_, err = f.conn.Exec(ctx, `
		INSERT INTO checkins (community_id, objective_id, member_id, at, kind, amount)
		SELECT o.community_id, o.id, o.owner_id, o.created_at + (k || ' days')::interval, 'add', 1
		FROM objectives o, generate_series(1, 8) k
		WHERE o.community_id = $1 AND o.created_at + (k || ' days')::interval < $2`, f.community, f.c.End)
	if err != nil {
		return fmt.Errorf("insert check-ins: %w", err)
	}
	return nil
}
