package knowledge_test

import (
	"context"
	"testing"

	"github.com/copbot/copbot/knowledge"
)

// TestStore_ProgressReadsABoundedHistory: an objective with a long history
// (an entry per tagged tip) is read as its last entries, with the values
// PostgreSQL computed over all of them: the same as reading it whole.
func TestStore_ProgressReadsABoundedHistory(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T-long")
	o := p.addObjective(t, knowledge.NewObjective{Title: "Many entries", Target: 5000, Due: date("2099-06-30")})
	admin := p.member(t, "admin")
	// 700 check-ins: mostly +1 and -1, a set now and then.
	if _, err := s.Pool().Exec(ctx, `
		INSERT INTO checkins (community_id, objective_id, member_id, at, kind, amount, note)
		SELECT $1, $2, $3, now() - (interval '1 second' * (700 - i)),
			CASE WHEN i % 97 = 0 THEN 'set' ELSE 'add' END,
			CASE WHEN i % 97 = 0 THEN i / 10 WHEN i % 5 = 0 THEN -1 ELSE 1 END, ''
		FROM generate_series(1, 700) AS i`, p.c.ID, o.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	tail, err := s.Progress(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.ObjectivesProgress(ctx, p.c.ID, false)
	if err != nil || len(all) != 1 {
		t.Fatalf("ObjectivesProgress = %v, %v", all, err)
	}
	whole := all[0].Entries
	if len(whole) != 700 || len(tail.Entries)+tail.EarlierEntries != 700 || len(tail.Entries) >= 700 {
		t.Fatalf("read %d entries and %d earlier of 700; want a bounded tail", len(tail.Entries), tail.EarlierEntries)
	}
	if tail.Value != all[0].Value {
		t.Fatalf("value from the tail %v, from the whole history %v", tail.Value, all[0].Value)
	}
	for i, e := range tail.Entries {
		if w := whole[tail.EarlierEntries+i]; e.Value != w.Value || e.Amount != w.Amount || e.Set != w.Set {
			t.Fatalf("tail entry %d = %+v; the whole history has %+v", i, e, w)
		}
	}
}
