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
