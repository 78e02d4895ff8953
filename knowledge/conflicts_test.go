package knowledge_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

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
