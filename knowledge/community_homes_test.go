package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

// TestStore_CommunitiesOfAWorkspace: a named community owns its home
// channels, every other channel belongs to the default community, and
// routing follows channel changes, renames and archiving at once.
func TestStore_CommunitiesOfAWorkspace(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	admin, ada := p.member(t, "admin"), p.member(t, "ada")

	if _, err := s.CreateCommunity(ctx, ada, "frontend", []knowledge.HomeChannel{{ID: "C2", Name: "frontend"}}); !errors.Is(err, knowledge.ErrForbidden) {
		t.Fatalf("a member created a community: %v", err)
	}
	fe, err := s.CreateCommunity(ctx, admin, "frontend", []knowledge.HomeChannel{{ID: "C2", Name: "frontend"}, {ID: "C3", Name: "css"}})
	if err != nil {
		t.Fatal(err)
	}
	home := func(channel string) knowledge.Community {
		t.Helper()
		c, err := s.HomeOf(ctx, "slack", "T1", channel)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := home("C2"); c.ID != fe.ID || c.Name != "frontend" {
		t.Errorf("#frontend belongs to %+v, want frontend", c)
	}
	if c := home("C1"); c.ID != p.c.ID || c.Name != "" {
		t.Errorf("#general belongs to %+v, want the default community", c)
	}
	var inv *knowledge.InvalidError
	for _, name := range []string{"Frontend", "default", "two words", ""} {
		if _, err := s.CreateCommunity(ctx, admin, name, []knowledge.HomeChannel{{ID: "C9", Name: "x"}}); !errors.As(err, &inv) {
			t.Errorf("a community named %q was created: %v", name, err)
		}
	}
	if _, err := s.CreateCommunity(ctx, admin, "security", []knowledge.HomeChannel{{ID: "C3", Name: "css"}}); !errors.As(err, &inv) {
		t.Errorf("a channel became the home of two communities: %v", err)
	}
	if _, err := s.CommunityNamed(ctx, "slack", "T1", "security"); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("a refused community exists: %v", err)
	}

	// Its creator is its facilitator; the default community's are not.
	creator, err := s.SeeMember(ctx, fe.ID, knowledge.Person{PlatformUserID: "U-admin", DisplayName: "admin"})
	if err != nil || !creator.IsFacilitator {
		t.Fatalf("creator in frontend = %+v, %v; want a facilitator", creator, err)
	}
	adaThere, err := s.SeeMember(ctx, fe.ID, knowledge.Person{PlatformUserID: "U-ada", DisplayName: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeHomes(ctx, adaThere, true, []knowledge.HomeChannel{{ID: "C4", Name: "design"}}); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("a member changed home channels: %v", err)
	}
	changed, err := s.ChangeHomes(ctx, creator, true, []knowledge.HomeChannel{{ID: "C4", Name: "design"}, {ID: "C2", Name: "frontend"}})
	if err != nil || len(changed) != 1 || changed[0].ID != "C4" {
		t.Fatalf("adding #design and #frontend changed %v, %v; want #design alone", changed, err)
	}
	if c := home("C4"); c.ID != fe.ID {
		t.Errorf("#design belongs to %+v right after it was added", c)
	}
	if changed, err := s.ChangeHomes(ctx, creator, false, []knowledge.HomeChannel{{ID: "C3"}, {ID: "C1"}}); err != nil || len(changed) != 1 {
		t.Fatalf("removing #css and #general changed %v, %v; want #css alone", changed, err)
	}
	if c := home("C3"); c.ID != p.c.ID {
		t.Errorf("#css belongs to %+v after it was removed, want the default community", c)
	}

	renamed, err := s.RenameCommunity(ctx, creator, "web")
	if err != nil || renamed.Name != "web" || home("C2").Name != "web" {
		t.Fatalf("rename = %+v, %v; routing says %q", renamed, err, home("C2").Name)
	}
	mine, err := s.CommunitiesOf(ctx, "slack", "T1", "U-ada")
	if err != nil || len(mine) != 2 || mine[0].Name != "" || mine[1].Name != "web" {
		t.Errorf("ada's communities = %+v, %v; want the default and web", mine, err)
	}
	if _, err := s.ArchiveCommunity(ctx, adaThere); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("a member archived the community: %v", err)
	}
	if _, err := s.ArchiveCommunity(ctx, creator); err != nil {
		t.Fatal(err)
	}
	if c := home("C2"); c.ID != p.c.ID {
		t.Errorf("#frontend belongs to %+v after its community was archived", c)
	}
	all, err := s.Communities(ctx, "slack", "T1")
	if err != nil || len(all) != 1 {
		t.Errorf("communities after the archive = %+v, %v; want the default alone", all, err)
	}
	// Another workspace sees none of it.
	if c, err := s.HomeOf(ctx, "slack", "T2", "C4"); err != nil || c.Name != "" || c.ID == fe.ID {
		t.Errorf("T2's #design = %+v, %v", c, err)
	}
}

// TestStore_CommunitiesCreatedAtOnce: ten facilitators creating one name, or
// claiming one channel for ten communities, at once: one wins, the others
// are told why, and nothing is half made.
func TestStore_CommunitiesCreatedAtOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	admin := p.member(t, "admin")
	var created, refused atomic.Int32
	concurrently(10, func(i int) {
		_, err := s.CreateCommunity(ctx, admin, "frontend", []knowledge.HomeChannel{{ID: "C" + string(rune('a'+i)), Name: "x"}})
		var inv *knowledge.InvalidError
		switch {
		case err == nil:
			created.Add(1)
		case errors.As(err, &inv):
			refused.Add(1)
		default:
			t.Errorf("create: %v", err)
		}
	})
	if created.Load() != 1 || refused.Load() != 9 {
		t.Errorf("one name created %d times, refused %d", created.Load(), refused.Load())
	}
	created.Store(0)
	refused.Store(0)
	concurrently(10, func(i int) {
		_, err := s.CreateCommunity(ctx, admin, "guild"+string(rune('a'+i)), []knowledge.HomeChannel{{ID: "C-shared", Name: "shared"}})
		var inv *knowledge.InvalidError
		switch {
		case err == nil:
			created.Add(1)
		case errors.As(err, &inv):
			refused.Add(1)
		default:
			t.Errorf("create: %v", err)
		}
	})
	all, err := s.Communities(ctx, "slack", "T1")
	if err != nil {
		t.Fatal(err)
	}
	homes := 0
	for _, c := range all {
		homes += len(c.Channels)
	}
	// frontend and the one guild that got #shared, each with its channel.
	if created.Load() != 1 || refused.Load() != 9 || len(all) != 3 || homes != 2 {
		t.Errorf("one channel claimed by %d communities (%d refused); communities %+v", created.Load(), refused.Load(), all)
	}
}

// TestStore_RoutingFollowsAnotherProcess: a channel made a home by one
// copbot process routes there in another process within a few seconds.
func TestStore_RoutingFollowsAnotherProcess(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	other, err := knowledge.NewStore(s.Pool(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	p := newPractice(t, s, "slack", "T1")
	if c, err := other.HomeOf(ctx, "slack", "T1", "C2"); err != nil || c.ID != p.c.ID {
		t.Fatalf("#frontend before = %+v, %v; want the default community", c, err)
	}
	fe, err := s.CreateCommunity(ctx, p.member(t, "admin"), "frontend", []knowledge.HomeChannel{{ID: "C2", Name: "frontend"}})
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the other process to route #frontend to frontend", func() bool {
		c, err := other.HomeOf(ctx, "slack", "T1", "C2")
		return err == nil && c.ID == fe.ID
	})
}

// TestStore_DefaultCommunityMadeAtOnce: the first events of a workspace,
// arriving at once, all find its one default community (ON CONFLICT names
// one index; no other unique index may refuse the insert).
func TestStore_DefaultCommunityMadeAtOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for round := range 30 {
		workspace := fmt.Sprintf("T-new-%d", round)
		ids := make([]int64, 10)
		concurrently(10, func(i int) {
			c, err := s.Community(ctx, "slack", workspace)
			if err != nil {
				t.Errorf("community: %v", err)
			}
			ids[i] = c.ID
		})
		for _, id := range ids {
			if id != ids[0] || id == 0 {
				t.Fatalf("ten first contacts with %s made communities %v; want one", workspace, ids)
			}
		}
	}
}

// TestStore_RoutingSeesOwnChangeAtOnce: while events are routed all the
// time (and the background check reads routing again after each change),
// a change this process made routes the very next event its way: no read
// started before the change is kept after it.
func TestStore_RoutingSeesOwnChangeAtOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T-now")
	fe, err := s.CreateCommunity(ctx, p.member(t, "admin"), "frontend", []knowledge.HomeChannel{{ID: "C2", Name: "frontend"}})
	if err != nil {
		t.Fatal(err)
	}
	creator, err := s.SeeMember(ctx, fe.ID, knowledge.Person{PlatformUserID: "U-admin", DisplayName: "admin", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.HomeOf(ctx, "slack", "T-now", "C9"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 30 {
		add := i%2 == 0
		if _, err := s.ChangeHomes(ctx, creator, add, []knowledge.HomeChannel{{ID: "C9", Name: "design"}}); err != nil {
			t.Fatal(err)
		}
		want := p.c.ID
		if add {
			want = fe.ID
		}
		if got, err := s.HomeOf(ctx, "slack", "T-now", "C9"); err != nil || got.ID != want {
			t.Fatalf("change %d: #design routes to %d (%v) right after the change, want %d", i, got.ID, err, want)
		}
		time.Sleep(time.Duration(i%3) * 50 * time.Millisecond) // let background checks run between changes
	}
	close(stop)
	readers.Wait()
}
