package knowledge_test

import (
	"context"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/copbot/copbot/internal/loadgen"
	"github.com/copbot/copbot/knowledge"
)

var (
	benchTips = flag.Int("tips", 1_000_000, "tips in the community BenchmarkSearch searches")
	explain   = flag.Bool("explain", false, "log the plan of each BenchmarkSearch query")
)

// BenchmarkSearch measures search in one community of -tips tips (default
// 1,000,000) for 1–3 word queries, the most common words included; it
// reports p50 and p99 per query shape. Target: p99 ≤ 20 ms.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	c, err := s.Community(ctx, "slack", "T-bench")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := loadgen.FillCommunity(ctx, s.Pool(), c.ID, *benchTips, 1); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d tips in %s", *benchTips, time.Since(start).Round(time.Millisecond))

	if *explain {
		for _, shape := range loadgen.SearchQueries {
			for _, q := range shape.Queries {
				rows, err := s.Pool().Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM tips t
					WHERE t.community_id = $1 AND t.state = 'saved' AND t.removed_at IS NULL
					  AND t.tsv @@ websearch_to_tsquery('english', $2)
					ORDER BY t.votes DESC, t.id DESC LIMIT 200`, pgx.QueryExecModeExec, c.ID, q)
				if err != nil {
					b.Fatal(err)
				}
				plan, _ := pgx.CollectRows(rows, pgx.RowTo[string])
				b.Logf("%s:\n%s", q, strings.Join(plan, "\n"))
			}
		}
	}
	for _, shape := range loadgen.SearchQueries {
		name := shape.Name
		b.Run(name, func(b *testing.B) {
			var durations []time.Duration
			i := 0
			for b.Loop() {
				q := shape.Queries[i%len(shape.Queries)]
				i++
				var tags []string
				if w, tag, ok := strings.Cut(q, " #"); ok {
					q, tags = w, []string{tag}
				}
				t0 := time.Now()
				tips, _, err := s.Search(ctx, c.ID, knowledge.SearchQuery{Words: q, Tags: tags, Limit: 10})
				durations = append(durations, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if len(tips) == 0 && name != "RareWord" {
					b.Fatalf("%q found nothing", q)
				}
			}
			reportPercentiles(b, durations)
		})
	}
}

// reportPercentiles reports the median and the 99th percentile of the
// durations, in milliseconds.
func reportPercentiles(b *testing.B, durations []time.Duration) {
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
