package knowledge_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

// holdMember inserts a member in a transaction left open, the way a command
// that sees a new member races the inbox; commit ends it.
func holdMember(t *testing.T, p *practice, platformUserID string) (commit func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := p.s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO members (community_id, platform_user_id, display_name) VALUES ($1, $2, $2)`,
		p.c.ID, platformUserID); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// waitForLockWaiter waits until some backend of the test's database waits
// on a lock: the statement under test has met the open insert.
func waitForLockWaiter(t *testing.T, p *practice) {
	t.Helper()
	wait.Until(t, "a statement to wait on the open insert", func() bool {
		return dbtest.Count(t, p.s.Pool(), `
			SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0
	})
}

// TestStore_MemberCreatedWhileWaiting: under READ COMMITTED, a statement
// that waits on another transaction's insert of the same member does not
// see that member once it commits. Each statement that finds or creates
// members must still come back with every one of them.
func TestStore_MemberCreatedWhileWaiting(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	t.Run("AVoteIsNotLost", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-vote")
		commit := holdMember(t, p, "U-ada")
		p.react(t, "e1", "ada", "M1", true)
		done := make(chan knowledge.Drained, 1)
		go func() {
			d, err := s.DrainInbox(ctx, 1000)
			if err != nil {
				t.Error(err)
			}
			done <- d
		}()
		waitForLockWaiter(t, p)
		commit()
		if d := <-done; d.Queued != 1 {
			t.Fatalf("the pass queued %d captures; want ada's vote to make one", d.Queued)
		}
		tip := p.capture(t, p.queued(t)[0], "a tip", "bob")
		if tip.Votes != 1 {
			t.Fatalf("tip has %d votes, want 1", tip.Votes)
		}
	})

	t.Run("AnAuthorIsNotLost", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-author")
		p.react(t, "e1", "ada", "M1", true)
		p.drain(t)
		item := p.queued(t)[0]
		commit := holdMember(t, p, "U-bob")
		done := make(chan knowledge.Tip, 1)
		go func() {
			saved, err := s.CompleteCaptures(ctx, []knowledge.Captured{{Item: item,
				Message: knowledge.Message{Text: "a tip", AuthorID: "U-bob", AuthorName: "bob"}}})
			if err != nil || len(saved) != 1 {
				t.Errorf("capture saved %v, %v", saved, err)
				done <- knowledge.Tip{}
				return
			}
			done <- saved[0].Tip
		}()
		waitForLockWaiter(t, p)
		commit()
		tip := <-done
		bob := p.member(t, "bob")
		if tip.AuthorID == nil || *tip.AuthorID != bob.ID {
			t.Fatalf("tip's author = %v, want bob (%d)", tip.AuthorID, bob.ID)
		}
	})

	t.Run("AMentionFindsTheMember", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-mention")
		commit := holdMember(t, p, "U-cy")
		type result struct {
			m   knowledge.Member
			err error
		}
		done := make(chan result, 1)
		go func() {
			m, err := s.ReferMember(ctx, p.c.ID, "U-cy", "cy")
			done <- result{m, err}
		}()
		waitForLockWaiter(t, p)
		commit()
		r := <-done
		if r.err != nil || r.m.PlatformUserID != "U-cy" {
			t.Fatalf("ReferMember = %+v, %v; want cy", r.m, r.err)
		}
	})
}

// TestStore_NewMembersReactAndActAtOnce: forty members copbot never saw
// react to one message while each also runs a command (which records them
// too), the inbox draining all along; every reaction is one vote.
func TestStore_NewMembersReactAndActAtOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for round := range 3 {
		p := newPractice(t, s, "slack", fmt.Sprintf("T-%d", round))
		const members = 40
		var wg sync.WaitGroup
		stop := make(chan struct{})
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			for {
				if _, err := s.DrainInbox(ctx, 1000); err != nil && !knowledge.IsTransient(err) {
					t.Error(err)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
		for i := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("m%d", i)
				if _, err := s.RecordReaction(ctx, p.c.ID, "e-"+name, knowledge.Reaction{
					Voter: knowledge.Person{PlatformUserID: "U-" + name, DisplayName: name}, Added: true,
					ChannelID: "C1", MessageID: "M1",
				}); err != nil {
					t.Error(err)
				}
				if _, err := s.SeeMember(ctx, p.c.ID, knowledge.Person{PlatformUserID: "U-" + name, DisplayName: name}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(stop)
		<-drained
		p.drain(t)
		items := p.queued(t)
		if len(items) != 1 {
			t.Fatalf("round %d: %d captures queued, want 1", round, len(items))
		}
		if tip := p.capture(t, items[0], "a tip", "bob"); tip.Votes != members {
			voters := dbtest.Count(t, s.Pool(), `SELECT count(*) FROM tip_votes WHERE community_id = $1`, p.c.ID)
			t.Fatalf("round %d: tip has %d votes (%d vote rows), want %d", round, tip.Votes, voters, members)
		}
	}
}
