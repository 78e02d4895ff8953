package knowledge_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// Test helpers shared by the store's tests: a store on a fresh database, a
// community and its members (practice), and concurrent callers.

// newStore gives a test a store on its own fresh database.
func newStore(tb testing.TB) *knowledge.Store {
	tb.Helper()
	s, err := knowledge.NewStore(dbtest.Pool(tb), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// practice is a community with members, for practice repository tests.
type practice struct {
	s       *knowledge.Store
	c       knowledge.Community
	members map[string]knowledge.Member
}

func newPractice(t *testing.T, s *knowledge.Store, platform, id string) *practice {
	t.Helper()
	c, err := s.Community(context.Background(), platform, id)
	if err != nil {
		t.Fatal(err)
	}
	return &practice{s: s, c: c, members: map[string]knowledge.Member{}}
}

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

func (p *practice) member(t *testing.T, name string) knowledge.Member {
	t.Helper()
	if m, ok := p.members[name]; ok {
		return m
	}
	m, err := p.s.SeeMember(context.Background(), p.c.ID, knowledge.Person{PlatformUserID: "U-" + name, DisplayName: name, IsAdmin: name == "admin"})
	if err != nil {
		t.Fatal(err)
	}
	p.members[name] = m
	return m
}
