package knowledge_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/copbot/copbot/knowledge"
)

var (
	benchTips = flag.Int("tips", 1_000_000, "tips in the community BenchmarkSearch searches")
	explain   = flag.Bool("explain", false, "log the plan of each BenchmarkSearch query")
)

// vocabulary is drawn with a Zipf distribution, so a few words are in a large
// share of all tips, as in real text; "test" is the most common.
var vocabulary = func() []string {
	words := strings.Fields(`test deploy review flaky pipeline onboarding mentor database index query cache
		incident runbook rollback feature flag release branch merge pair pairing standup retro estimate
		refactor legacy monitor alert latency throughput queue worker kubernetes terraform docker python
		golang rust typescript react css accessibility security token secret backup restore migration`)
	for i := len(words); i < 5000; i++ {
		words = append(words, fmt.Sprintf("term%dx", i))
	}
	return words
}()

// fillCommunity bulk-loads n tips with COPY, as the load tool does.
func fillCommunity(b *testing.B, s *knowledge.Store, communityID int64, n int) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(vocabulary)-1))
	tags := []string{"testing", "ops", "onboarding", "ci", "security", "frontend"}
	now := time.Now()
	rows := make([][]any, 0, 10000)
	flush := func() {
		_, err := s.Pool().CopyFrom(ctx, pgx.Identifier{"tips"},
			[]string{"community_id", "number", "state", "text", "tags", "author_name", "votes", "saved_at"},
			pgx.CopyFromRows(rows))
		if err != nil {
			b.Fatal(err)
		}
		rows = rows[:0]
	}
	for i := 1; i <= n; i++ {
		words := make([]string, 8+rng.IntN(20))
		for j := range words {
			words[j] = vocabulary[zipf.Uint64()]
		}
		rows = append(rows, []any{communityID, i, "saved", strings.Join(words, " "),
			[]string{tags[rng.IntN(len(tags))]}, fmt.Sprintf("member%d", rng.IntN(500)), int(zipf.Uint64() % 50), now})
		if len(rows) == cap(rows) {
			flush()
		}
	}
	if len(rows) > 0 {
		flush()
	}
	if _, err := s.Pool().Exec(ctx, "ANALYZE tips"); err != nil {
		b.Fatal(err)
	}
}

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
	fillCommunity(b, s, c.ID, *benchTips)
	b.Logf("loaded %d tips in %s", *benchTips, time.Since(start).Round(time.Millisecond))

	queries := map[string][]string{
		"MostCommonWord": {"test", "deploy", "review"},
		"TwoCommonWords": {"test deploy", "review flaky", "pipeline test"},
		"RareWord":       {"term4000x", "term3999x", "term2500x"},
		"ThreeWordsMix":  {"test flaky term900x", "deploy rollback release", "mentor pairing onboarding"},
		"TagAndWord":     {"test #security", "deploy #ops", "review #ci"},
	}
	if *explain {
		for _, qs := range queries {
			for _, q := range qs {
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
	for _, name := range []string{"MostCommonWord", "TwoCommonWords", "RareWord", "ThreeWordsMix", "TagAndWord"} {
		b.Run(name, func(b *testing.B) {
			var durations []time.Duration
			i := 0
			for b.Loop() {
				q := queries[name][i%len(queries[name])]
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
			slices.Sort(durations)
			pct := func(p float64) float64 {
				return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
