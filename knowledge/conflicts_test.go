package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// concurrently runs f n times at once and waits for all of them.
func concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i)
		}()
	}
	wg.Wait()
}

// claimedOnce runs claim n times at once and checks that one run claimed
// and every other was told the claim is held.
func claimedOnce(t *testing.T, n int, claim func() (bool, error)) {
	t.Helper()
	var claimed, held atomic.Int32
	concurrently(n, func(int) {
		ok, err := claim()
		var h *knowledge.HeldError
		switch {
		case err == nil && ok:
			claimed.Add(1)
		case errors.As(err, &h):
			held.Add(1)
		default:
			t.Errorf("claim = %v, %v", ok, err)
		}
	})
	if claimed.Load() != 1 || held.Load() != int32(n-1) {
		t.Fatalf("%d claimed, %d held of %d; want 1 and %d", claimed.Load(), held.Load(), n, n-1)
	}
}

// TestStore_InsertOrSkipUnderConcurrency: the statements added for rights
// and notices that insert or skip on a conflict, run by concurrent callers
// on one row: each caller gets an answer that agrees with what was
// committed, none fails, and none reports a change another made.
func TestStore_InsertOrSkipUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	t.Run("TagGrants", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-grants")
		tip, err := s.SaveTip(ctx, p.member(t, "ada"), knowledge.NewTip{Text: "Pin tool versions"})
		if err != nil {
			t.Fatal(err)
		}
		members := make([]knowledge.Member, 8)
		for i := range members {
			members[i] = p.member(t, fmt.Sprintf("m%d", i))
		}
		concurrently(len(members), func(i int) {
			if _, err := s.TagTip(ctx, members[i], tip.Number, []string{"ops"}); err != nil {
				t.Error(err)
			}
		})
		if grants := dbtest.Count(t, s.Pool(), `SELECT count(*) FROM tip_tag_grants WHERE community_id = $1 AND tag = 'ops'`,
			p.c.ID); grants != 1 {
			t.Fatalf("%d grants of #ops; want the one of whoever tagged first", grants)
		}
	})

	t.Run("Facilitators", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-facilitators")
		target := p.member(t, "ada")
		admins := make([]knowledge.Member, 6)
		for i := range admins {
			var err error
			admins[i], err = s.SeeMember(ctx, p.c.ID, knowledge.Person{PlatformUserID: fmt.Sprintf("A%d", i), IsAdmin: true})
			if err != nil {
				t.Fatal(err)
			}
		}
		var added atomic.Int32
		concurrently(len(admins), func(i int) {
			changed, err := s.AddFacilitators(ctx, admins[i], []knowledge.Member{target})
			if err != nil {
				t.Error(err)
				return
			}
			if changed[0] {
				added.Add(1)
			}
		})
		if added.Load() != 1 {
			t.Fatalf("%d of 6 concurrent adds said they made ada a facilitator; want 1", added.Load())
		}
	})

	t.Run("MentoringNoticeClaims", func(t *testing.T) {
		m := newMentoring(t, s, "T-notices")
		m.offer(t, "ada", "testing", 2)
		p := matchedWith(t, m.request(t, "newbie", "testing"), "ada")
		claimedOnce(t, 8, func() (bool, error) {
			return s.ClaimNotice(ctx, m.c.ID, p.ID, knowledge.NoticeIntro, knowledge.PairingProposed)
		})
	})
}
