package knowledge_test

import (
	"context"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// history writes a community's past with chosen times straight into the
// tables, for tests that check exact figures: the store's own writes stamp
// rows with the present.
type history struct {
	tb      testing.TB
	s       *knowledge.Store
	c       knowledge.Community
	members map[string]int64
	tips    map[string]int64
	reqs    map[string]int64
	objs    map[string]int64
	n       int
}

func newHistory(tb testing.TB, s *knowledge.Store, team string) *history {
	tb.Helper()
	c, err := s.Community(context.Background(), "slack", team)
	if err != nil {
		tb.Fatal(err)
	}
	return &history{tb: tb, s: s, c: c, members: map[string]int64{}, tips: map[string]int64{},
		reqs: map[string]int64{}, objs: map[string]int64{}}
}

// at parses "2027-02-11 12:00" as UTC.
func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func (h *history) exec(sql string, args ...any) {
	h.tb.Helper()
	if _, err := h.s.Pool().Exec(context.Background(), sql, args...); err != nil {
		h.tb.Fatalf("%s: %v", sql, err)
	}
}

func (h *history) id(sql string, args ...any) int64 {
	h.tb.Helper()
	var id int64
	if err := h.s.Pool().QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		h.tb.Fatalf("%s: %v", sql, err)
	}
	return id
}

// member adds a member first seen at seen; joined, when not "", is when
// copbot saw them join. kind is "", "admin", "bot" or "facilitator".
func (h *history) member(name, kind, seen, joined string) {
	h.tb.Helper()
	var joinedAt *time.Time
	if joined != "" {
		t := at(joined)
		joinedAt = &t
	}
	h.members[name] = h.id(`INSERT INTO members (community_id, platform_user_id, display_name, is_bot, is_admin, first_seen, joined_at, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $6) RETURNING id`, h.c.ID, "U-"+name, name, kind == "bot", kind == "admin", at(seen), joinedAt)
	if kind == "facilitator" {
		h.exec(`INSERT INTO facilitators (community_id, member_id) VALUES ($1, $2)`, h.c.ID, h.members[name])
	}
}

// tip adds a saved tip; savedBy is set for a /cop save, removed removes it.
func (h *history) tip(name, author, saved string, direct, removed bool, tags ...string) {
	h.tb.Helper()
	h.n++
	var savedBy *int64
	if direct {
		id := h.members[author]
		savedBy = &id
	}
	var removedAt *time.Time
	if removed {
		t := at(saved).Add(time.Hour)
		removedAt = &t
	}
	if tags == nil {
		tags = []string{}
	}
	h.tips[name] = h.id(`INSERT INTO tips (community_id, number, state, text, tags, author_id, author_name, saved_by, created_at, saved_at,
			removed_at, removed_reason)
		VALUES ($1, $2, 'saved', $3, $4, $5, $6, $7, $8, $8, $9, CASE WHEN $9::timestamptz IS NOT NULL THEN 'removed' END) RETURNING id`,
		h.c.ID, h.n, "Tip "+name+" about testing", tags, h.members[author], author, savedBy, at(saved), removedAt)
	h.exec(`INSERT INTO tip_counters (community_id, last_number) VALUES ($1, $2)
		ON CONFLICT (community_id) DO UPDATE SET last_number = excluded.last_number`, h.c.ID, h.n)
}

// vote adds a member's save reaction to a tip.
func (h *history) vote(who, tip, when string) {
	h.tb.Helper()
	h.exec(`INSERT INTO tip_votes (community_id, tip_id, member_id, voted_at) VALUES ($1, $2, $3, $4)`,
		h.c.ID, h.tips[tip], h.members[who], at(when))
	h.exec(`UPDATE tips SET votes = votes + 1 WHERE community_id = $1 AND id = $2`, h.c.ID, h.tips[tip])
}

func (h *history) search(who, when string, page int, shown ...string) {
	h.tb.Helper()
	ids := []int64{}
	for _, t := range shown {
		ids = append(ids, h.tips[t])
	}
	h.exec(`INSERT INTO searches (community_id, member_id, at, page, tip_ids) VALUES ($1, $2, $3, $4, $5)`,
		h.c.ID, h.members[who], at(when), page, ids)
}

// objective adds an objective; state is open, achieved or dropped (closed
// at closed).
func (h *history) objective(name, owner string, target int, due, created, state, closed string) {
	h.tb.Helper()
	h.n++
	var closedAt *time.Time
	if closed != "" {
		t := at(closed)
		closedAt = &t
	}
	h.objs[name] = h.id(`INSERT INTO objectives (community_id, number, title, target, due_on, owner_id, created_by, created_at, state, closed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING id`,
		h.c.ID, h.n, "Objective "+name, target, at(due+" 00:00"), h.members[owner], at(created), state, closedAt)
}

func (h *history) checkin(objective, who, when, kind string, amount int) {
	h.tb.Helper()
	h.exec(`INSERT INTO checkins (community_id, objective_id, member_id, at, kind, amount) VALUES ($1, $2, $3, $4, $5, $6)`,
		h.c.ID, h.objs[objective], h.members[who], at(when), kind, amount)
}

// request adds a mentoring request; closed dates a closed or withdrawn one.
func (h *history) request(name, mentee, created, state, closed string) {
	h.tb.Helper()
	h.n++
	var closedAt *time.Time
	if closed != "" {
		t := at(closed)
		closedAt = &t
	}
	h.reqs[name] = h.id(`INSERT INTO mentoring_requests (community_id, seq, mentee_id, topics, state, created_at, closed_at)
		VALUES ($1, $2, $3, '{testing}', $4, $5, $6) RETURNING id`, h.c.ID, h.n, h.members[mentee], state, at(created), closedAt)
}

// pairing adds a pairing of a request; accepted and closed may be "".
func (h *history) pairing(number int, request, mentor, mentee, state, created, accepted, closed, closedBy string) {
	h.tb.Helper()
	opt := func(s string) *time.Time {
		if s == "" {
			return nil
		}
		t := at(s)
		return &t
	}
	var by *int64
	if closedBy != "" {
		id := h.members[closedBy]
		by = &id
	}
	h.exec(`INSERT INTO pairings (community_id, number, request_id, mentor_id, mentee_id, topics, state, created_at, accepted_at, closed_at, closed_by)
		VALUES ($1, $2, $3, $4, $5, '{testing}', $6, $7, $8, $9, $10)`,
		h.c.ID, number, h.reqs[request], h.members[mentor], h.members[mentee], state, at(created), opt(accepted), opt(closed), by)
}

func (h *history) story(who, text, when string) {
	h.tb.Helper()
	h.exec(`INSERT INTO stories (community_id, member_id, text, created_at) VALUES ($1, $2, $3, $4)`,
		h.c.ID, h.members[who], text, at(when))
}

// facilitator returns a member who may read stats.
func (h *history) facilitator(name string) knowledge.Member {
	h.tb.Helper()
	return knowledge.Member{ID: h.members[name], CommunityID: h.c.ID, PlatformUserID: "U-" + name, DisplayName: name,
		IsFacilitator: true}
}

// pulseCommunity is the fixed history the stats tests read, as of
// 2027-03-01 12:00 UTC: the current 30-day period starts 2027-01-30 12:00,
// the previous one 2026-12-31 12:00. The expected figures in the tests are
// worked out by hand from these rows; the comments say what each row is for.
func pulseCommunity(tb testing.TB, s *knowledge.Store) *history {
	h := newHistory(tb, s, "T-pulse")
	h.member("admin", "admin", "2026-06-01 00:00", "")     // a facilitator by the platform
	h.member("fac", "facilitator", "2026-06-01 00:00", "") // a facilitator by copbot
	h.member("bot", "bot", "2026-06-01 00:00", "")
	h.member("ada", "", "2026-06-01 00:00", "") // a veteran, there before copbot saw joins
	h.member("bob", "", "2027-02-10 12:00", "2027-02-10 12:00")
	h.member("cy", "", "2027-02-20 12:00", "2027-02-20 12:00")
	h.member("dan", "", "2027-01-05 12:00", "2027-01-05 12:00") // joined in the previous period
	h.member("eve", "", "2027-02-25 12:00", "2027-02-25 12:00") // joined, did nothing yet
	h.member("gus", "", "2026-06-01 00:00", "")

	h.tip("t1", "ada", "2027-02-11 12:00", false, false, "testing")
	h.tip("t2", "ada", "2027-01-10 12:00", false, false, "ci")
	h.tip("t3", "bob", "2027-02-15 12:00", false, false, "testing")
	h.tip("t4", "cy", "2027-02-22 12:00", true, false)  // saved with /cop save
	h.tip("t5", "ada", "2027-02-20 12:00", false, true) // removed since
	h.tip("t6", "fac", "2027-02-01 12:00", false, false)
	h.vote("bob", "t1", "2027-02-11 12:00") // bob's first save, a day after joining
	h.vote("admin", "t1", "2027-02-12 12:00")
	h.vote("dan", "t2", "2027-01-10 12:00") // dan's first save, five days after joining
	h.vote("cy", "t3", "2027-02-21 12:00")  // cy's first save, a day after joining
	h.vote("ada", "t3", "2027-02-16 12:00")
	h.vote("bob", "t5", "2027-02-20 12:00")
	h.vote("fac", "t6", "2027-02-01 12:00")

	h.search("bob", "2027-02-11 11:30", 1, "t1") // then saved t1: a reuse
	h.search("bob", "2027-02-11 11:35", 2)       // a second page is not a new search
	h.search("admin", "2027-02-05 12:00", 1)
	h.search("dan", "2027-01-20 12:00", 1)

	h.objective("o1", "admin", 10, "2027-06-30", "2027-01-01 00:00", "open", "") // on track
	h.checkin("o1", "admin", "2027-01-15 12:00", "set", 8)
	h.checkin("o1", "ada", "2027-02-15 12:00", "add", 1)
	h.objective("o2", "admin", 5, "2027-02-20", "2027-01-01 00:00", "open", "") // behind, then overdue
	h.objective("o3", "admin", 3, "2027-06-30", "2027-01-01 00:00", "achieved", "2027-02-10 12:00")
	h.checkin("o3", "admin", "2027-01-20 12:00", "set", 3)                                          // reached before it closed
	h.objective("o4", "admin", 3, "2027-06-30", "2027-02-05 12:00", "dropped", "2027-02-25 12:00")  // born and dropped in the period
	h.objective("o5", "admin", 3, "2027-06-30", "2026-12-01 00:00", "achieved", "2027-01-10 12:00") // closed in the previous period

	h.exec(`INSERT INTO mentors (community_id, member_id, topics, capacity) VALUES ($1, $2, '{testing}', 3)`, h.c.ID, h.members["ada"])
	h.request("r1", "dan", "2027-01-06 12:00", "closed", "2027-02-05 12:00")
	h.pairing(1, "r1", "ada", "dan", "ended", "2027-01-07 12:00", "2027-01-07 13:00", "2027-02-05 12:00", "dan")
	h.request("r2", "bob", "2027-02-12 12:00", "matched", "")
	h.pairing(2, "r2", "ada", "bob", "active", "2027-02-12 18:00", "2027-02-13 12:00", "", "")
	h.request("r3", "cy", "2027-02-21 12:00", "waiting", "")
	h.request("r4", "gus", "2027-01-20 12:00", "withdrawn", "2027-02-26 12:00")
	h.pairing(3, "r4", "ada", "gus", "declined", "2027-01-21 12:00", "", "2027-01-22 12:00", "ada")

	h.story("bob", "Searching first saved me an afternoon", "2027-02-27 12:00")
	h.story("dan", "My mentor showed me how to split tests", "2027-01-25 12:00")
	return h
}

// pulseNow is when the pulse tests look at pulseCommunity.
var pulseNow = at("2027-03-01 12:00")
