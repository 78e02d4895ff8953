package dbtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Querier is what a pool, a connection and a transaction have in common,
// for the helpers that read a test's database.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Count runs a query that returns one number (a count(*), a sum) and
// returns it, failing tb when the query fails. It is for tests that check
// storage itself: rows left behind, jobs queued, what no store method
// tells.
func Count(tb testing.TB, db Querier, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		tb.Fatalf("dbtest: %s: %v", strings.Join(strings.Fields(query), " "), err)
	}
	return n
}

// Rows counts the rows of each table, as "inbox 0, members 2", for a test
// that checks what a request wrote: the store has no way to say that no
// table holds anything.
func Rows(tb testing.TB, db Querier, tables ...string) string {
	tb.Helper()
	s, _ := rows(tb, db, tables)
	return s
}

// Written counts what deliveries (events, commands, clicks) leave behind,
// as Rows does: recorded events, communities, members and tips; "" when
// there is none. It is for the adapter tests that check a refused delivery
// wrote nothing at all, in any community.
func Written(tb testing.TB, db Querier) string {
	tb.Helper()
	s, total := rows(tb, db, []string{"inbox", "events_seen", "communities", "members", "tips"})
	if total == 0 {
		return ""
	}
	return s
}

func rows(tb testing.TB, db Querier, tables []string) (string, int) {
	tb.Helper()
	counts := make([]string, len(tables))
	total := 0
	for i, table := range tables {
		n := Count(tb, db, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize())
		counts[i] = fmt.Sprintf("%s %d", table, n)
		total += n
	}
	return strings.Join(counts, ", "), total
}

// Snapshot digests the rows of each table, as text in a fixed order, so
// that a test can show that a refused command changed nothing by comparing
// the snapshots taken before and after it. Jobs (river_job) are digested
// by id and kind only: a worker changes the rest as it runs.
func Snapshot(tb testing.TB, db Querier, tables ...string) string {
	tb.Helper()
	digests := make([]string, len(tables))
	for i, table := range tables {
		if table == "river_job" {
			digests[i] = `(SELECT string_agg(id::text || kind, ',' ORDER BY id) FROM river_job)`
			continue
		}
		digests[i] = `(SELECT string_agg(x::text, ',' ORDER BY x::text) FROM ` + pgx.Identifier{table}.Sanitize() + ` x)`
	}
	var out string
	if err := db.QueryRow(context.Background(), `SELECT concat_ws(' | ', `+strings.Join(digests, ", ")+`)`).Scan(&out); err != nil {
		tb.Fatalf("dbtest: snapshot of %s: %v", strings.Join(tables, ", "), err)
	}
	return out
}
