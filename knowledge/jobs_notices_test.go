package knowledge_test

import (
	"context"
	"errors"
	"testing"

	"github.com/copbot/copbot/knowledge"
)

// TestStore_NoticeClaimIsALease: a claim left undelivered by a process
// that died mid-send holds for NoticeLease (a *HeldError, so the job waits
// rather than take the notice for sent), then the next run takes it over;
// a delivered notice is never claimed again.
func TestStore_NoticeClaimIsALease(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	ada := p.member(t, "ada")

	if _, claimed, err := s.ClaimWelcome(ctx, p.c.ID, ada.ID); err != nil || !claimed {
		t.Fatalf("first claim = %v, %v", claimed, err)
	}
	// The process dies here: no release, no delivery.
	_, claimed, err := s.ClaimWelcome(ctx, p.c.ID, ada.ID)
	var held *knowledge.HeldError
	if claimed || !errors.As(err, &held) || held.Wait <= 0 || held.Wait > knowledge.NoticeLease {
		t.Fatalf("a claim within its lease = %v, %v; want a *HeldError to wait up to the lease", claimed, err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE mentoring_welcomes SET welcomed_at = now() - interval '3 minutes'`); err != nil {
		t.Fatal(err)
	}
	if _, claimed, err := s.ClaimWelcome(ctx, p.c.ID, ada.ID); err != nil || !claimed {
		t.Fatalf("a claim past its lease = %v, %v; want it taken over", claimed, err)
	}
	if err := s.WelcomeDelivered(ctx, p.c.ID, ada.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE mentoring_welcomes SET welcomed_at = now() - interval '3 minutes'`); err != nil {
		t.Fatal(err)
	}
	if _, claimed, err := s.ClaimWelcome(ctx, p.c.ID, ada.ID); err != nil || claimed {
		t.Fatalf("a delivered welcome claimed again = %v, %v; want no, and no error", claimed, err)
	}
}

// TestStore_NoticeClaimsConcurrently: of several runs claiming one notice
// at once (a job and its rescued twin), one gets it and the others are
// told it is held; none takes it for delivered.
func TestStore_NoticeClaimsConcurrently(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	ada := p.member(t, "ada")
	claimedOnce(t, 10, func() (bool, error) {
		_, ok, err := s.ClaimWelcome(ctx, p.c.ID, ada.ID)
		return ok, err
	})
}
