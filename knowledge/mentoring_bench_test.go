package knowledge_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/copbot/copbot/knowledge"
)

// BenchmarkRequestMentor measures a request that is matched at once, in a
// community of 500 mentors (20 topics among them), 50,000 saved tips written
// by members and mentors and 100,000 votes: the request's transaction
// scores every mentor who offers the topic, counting each one's saved tips
// on it, then makes the pairing and queues its introduction and follow-up.
func BenchmarkRequestMentor(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	c, err := s.Community(ctx, "slack", "T-bench")
	if err != nil {
		b.Fatal(err)
	}
	const members, mentors = 20000, 500
	topics := `ARRAY['testing','kubernetes','rust','golang','python','ci','review','design','security','docs',
		'database','frontend','incident','release','onboarding','terraform','docker','accessibility','latency','refactor']`
	for _, q := range []string{
		`INSERT INTO members (community_id, platform_user_id, display_name)
			SELECT $1, 'U' || i, 'user' || i FROM generate_series(1, 20000) i`,
		`INSERT INTO mentors (community_id, member_id, topics, capacity)
			SELECT $1, id, ARRAY[(` + topics + `)[1 + id % 20], (` + topics + `)[1 + (id * 7) % 20]], 20
			FROM members WHERE community_id = $1 ORDER BY id LIMIT 500`,
		`INSERT INTO tips (community_id, number, state, text, tags, author_id, saved_at)
			SELECT $1, i, 'saved', 'A tip on ' || (` + topics + `)[1 + i % 20] || ' and more words about practice',
				ARRAY[(` + topics + `)[1 + (i * 3) % 20]], (SELECT min(id) FROM members WHERE community_id = $1) + i % 2000, now()
			FROM generate_series(1, 50000) i`,
		`INSERT INTO tip_votes (community_id, tip_id, member_id)
			SELECT DISTINCT $1, t.id, m.id FROM generate_series(1, 100000) i
			JOIN tips t ON t.community_id = $1 AND t.number = 1 + (i::bigint * 7919) % 50000
			JOIN members m ON m.community_id = $1 AND m.platform_user_id = 'U' || (1 + (i::bigint * 104729) % 20000)
			ON CONFLICT DO NOTHING`,
	} {
		if _, err := s.Pool().Exec(ctx, q, c.ID); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	words := []string{"testing", "kubernetes", "rust", "golang", "python", "ci", "review", "design", "security", "docs"}
	i := 0
	for b.Loop() {
		b.StopTimer()
		m, err := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: fmt.Sprintf("U%d", mentors+1+i%(members-mentors))})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := s.RequestMentor(ctx, m, []string{words[i%len(words)]}, "C1")
		if err != nil {
			b.Fatal(err)
		}
		if res.Pairing == nil {
			b.Fatalf("request %d waits; the benchmark has room for every request", i)
		}
		i++
	}
}
