// Package storetest reads what copbot stored through knowledge.Store, the
// way the core reads it, for the tests of adapters and of cmd/copbot: they
// check what a delivery did by its effect on the community (its tips, its
// members), not by the schema, which is the store's to change.
package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// Tips returns a community's saved tips by number, removed ones included;
// none while the community is unknown. A tip waiting for its capture has
// no number yet and is not among them.
func Tips(tb testing.TB, s *knowledge.Store, ref bot.CommunityRef) []knowledge.Tip {
	tb.Helper()
	ctx := context.Background()
	c, ok := community(tb, s, ref)
	if !ok {
		return nil
	}
	var tips []knowledge.Tip
	for number := 1; ; number++ {
		t, err := s.Tip(ctx, c.ID, number)
		if errors.Is(err, knowledge.ErrNotFound) {
			return tips
		}
		if err != nil {
			tb.Fatalf("storetest: tip %d of %s %s: %v", number, ref.Platform, ref.ExternalID, err)
		}
		tips = append(tips, t)
	}
}

// Member returns the member a platform user is in the community, and
// whether copbot knows them.
func Member(tb testing.TB, s *knowledge.Store, ref bot.CommunityRef, platformUserID string) (knowledge.Member, bool) {
	tb.Helper()
	c, ok := community(tb, s, ref)
	if !ok {
		return knowledge.Member{}, false
	}
	m, err := s.MemberByPlatformID(context.Background(), c.ID, platformUserID)
	if errors.Is(err, knowledge.ErrNotFound) {
		return knowledge.Member{}, false
	}
	if err != nil {
		tb.Fatalf("storetest: member %s of %s %s: %v", platformUserID, ref.Platform, ref.ExternalID, err)
	}
	return m, true
}

// community finds a community without making it, as reading must not.
func community(tb testing.TB, s *knowledge.Store, ref bot.CommunityRef) (knowledge.Community, bool) {
	tb.Helper()
	c, err := s.FindCommunity(context.Background(), string(ref.Platform), ref.ExternalID, ref.Name)
	if errors.Is(err, knowledge.ErrNotFound) {
		return knowledge.Community{}, false
	}
	if err != nil {
		tb.Fatalf("storetest: community %s %s: %v", ref.Platform, ref.ExternalID, err)
	}
	return c, true
}
