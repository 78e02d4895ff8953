package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Vocabulary is the words tips are made of, most common first: "test" is
// in the largest share of tips, "term4999x" in almost none.
var Vocabulary = func() []string {
	words := strings.Fields(`test deploy review flaky pipeline onboarding mentor database index query cache
		incident runbook rollback feature flag release branch merge pair pairing standup retro estimate
		refactor legacy monitor alert latency throughput queue worker kubernetes terraform docker python
		golang rust typescript react css accessibility security token secret backup restore migration`)
	for i := len(words); i < 5000; i++ {
		words = append(words, fmt.Sprintf("term%dx", i))
	}
	return words
}()

// Tags are the tags synthetic tips carry, one each.
var Tags = []string{"testing", "ops", "onboarding", "ci", "security", "frontend"}

// FillCommunity bulk-loads n saved tips numbered 1…n into a community with
// COPY (10,000 rows a round trip), moves its tip counter past them and
// analyzes the table. The same seed makes the same tips.
func FillCommunity(ctx context.Context, pool *pgxpool.Pool, communityID int64, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(Vocabulary)-1))
	now := time.Now()
	rows := make([][]any, 0, 10000)
	flush := func() error {
		_, err := pool.CopyFrom(ctx, pgx.Identifier{"tips"},
			[]string{"community_id", "number", "state", "text", "tags", "author_name", "votes", "saved_at"},
			pgx.CopyFromRows(rows))
		rows = rows[:0]
		if err != nil {
			return fmt.Errorf("copy tips: %w", err)
		}
		return nil
	}
	for i := 1; i <= n; i++ {
		words := make([]string, 8+rng.IntN(20))
		for j := range words {
			words[j] = Vocabulary[zipf.Uint64()]
		}
		rows = append(rows, []any{communityID, i, "saved", strings.Join(words, " "),
			[]string{Tags[rng.IntN(len(Tags))]}, fmt.Sprintf("member%d", rng.IntN(500)), int(zipf.Uint64() % 50), now})
		if len(rows) == cap(rows) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(rows) > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO tip_counters (community_id, last_number) VALUES ($1, $2)
		ON CONFLICT (community_id) DO UPDATE SET last_number = greatest(tip_counters.last_number, excluded.last_number)`,
		communityID, n); err != nil {
		return fmt.Errorf("move tip counter: %w", err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE tips"); err != nil {
		return fmt.Errorf("analyze tips: %w", err)
	}
	return nil
}

// SearchQueries are the query shapes whose speed copbot promises, each with
// a few queries in /cop search syntax: the most common words, two common
// words, rare words, three words mixed, and a tag with a word.
var SearchQueries = []struct {
	Name    string
	Queries []string
}{
	{"MostCommonWord", []string{"test", "deploy", "review"}},
	{"TwoCommonWords", []string{"test deploy", "review flaky", "pipeline test"}},
	{"RareWord", []string{"term4000x", "term3999x", "term2500x"}},
	{"ThreeWordsMix", []string{"test flaky term900x", "deploy rollback release", "mentor pairing onboarding"}},
	{"TagAndWord", []string{"test #security", "deploy #ops", "review #ci"}},
}
