package knowledge_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

func TestStore_Community(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, err := s.Community(ctx, "slack", "T1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Community(ctx, "slack", "T1")
	if err != nil || again.ID != a.ID {
		t.Fatalf("second lookup = %v, %v; want id %d", again, err, a.ID)
	}
	other, err := s.Community(ctx, "discord", "T1")
	if err != nil || other.ID == a.ID {
		t.Fatalf("same external id on another platform = %v, %v; want a new community", other, err)
	}
	if _, err := s.FindCommunity(ctx, "slack", "T404", ""); !errors.Is(err, knowledge.ErrNotFound) {
		t.Fatalf("FindCommunity(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.Community(ctx, "teams", "X"); err == nil {
		t.Fatal("a platform copbot does not know was accepted")
	}
}

func TestStore_SeeMember(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c, _ := s.Community(ctx, "slack", "T1")

	t.Run("FirstSightCreates", func(t *testing.T) {
		m, err := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "U1", DisplayName: "ada", IsAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		if m.DisplayName != "ada" || !m.IsAdmin || !m.IsFacilitator || m.CommunityID != c.ID {
			t.Fatalf("member = %+v", m)
		}
	})
	t.Run("LaterSightRefreshesButKeepsName", func(t *testing.T) {
		first, _ := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "U2", DisplayName: "bob"})
		m, err := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "U2", IsAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		if m.ID != first.ID || m.DisplayName != "bob" || !m.IsAdmin {
			t.Fatalf("member = %+v, want id %d named bob, admin", m, first.ID)
		}
	})
	t.Run("MentionDoesNotChangeAdmin", func(t *testing.T) {
		m, err := s.ReferMember(ctx, c.ID, "U1", "")
		if err != nil || !m.IsAdmin || m.DisplayName != "ada" {
			t.Fatalf("ReferMember(known) = %+v, %v; want ada unchanged", m, err)
		}
		n, err := s.ReferMember(ctx, c.ID, "U9", "nine")
		if err != nil || n.DisplayName != "nine" || n.IsFacilitator {
			t.Fatalf("ReferMember(new) = %+v, %v", n, err)
		}
	})
	t.Run("ByNameIsCaseInsensitiveAndScoped", func(t *testing.T) {
		other, _ := s.Community(ctx, "slack", "T2")
		if _, err := s.SeeMember(ctx, other.ID, knowledge.Person{PlatformUserID: "U7", DisplayName: "Zed"}); err != nil {
			t.Fatal(err)
		}
		if m, err := s.MemberByName(ctx, c.ID, "ADA"); err != nil || m.PlatformUserID != "U1" {
			t.Fatalf("MemberByName(ADA) = %+v, %v", m, err)
		}
		if _, err := s.MemberByName(ctx, c.ID, "zed"); !errors.Is(err, knowledge.ErrNotFound) {
			t.Fatalf("found a member of another community: %v", err)
		}
	})
	t.Run("FirstJoinCounts", func(t *testing.T) {
		t1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		m, err := s.MemberJoined(ctx, c.ID, knowledge.Person{PlatformUserID: "U3", DisplayName: "cy"}, t1)
		if err != nil || m.JoinedAt == nil || !m.JoinedAt.Equal(t1) {
			t.Fatalf("MemberJoined = %+v, %v", m, err)
		}
		m, err = s.MemberJoined(ctx, c.ID, knowledge.Person{PlatformUserID: "U3"}, t1.Add(time.Hour))
		if err != nil || !m.JoinedAt.Equal(t1) || m.DisplayName != "cy" {
			t.Fatalf("second join = %+v, %v; want the first time kept", m, err)
		}
	})
}

func TestStore_Facilitators(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c, _ := s.Community(ctx, "console", "console")
	host, _ := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "host", DisplayName: "host", IsAdmin: true})
	ada, _ := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "ada", DisplayName: "ada"})
	bob, _ := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "bob", DisplayName: "bob"})
	robot, _ := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "robot", DisplayName: "robot", IsBot: true})

	t.Run("NonFacilitatorCannotAdd", func(t *testing.T) {
		if _, err := s.AddFacilitator(ctx, ada, bob); !errors.Is(err, knowledge.ErrForbidden) {
			t.Fatalf("err = %v, want ErrForbidden", err)
		}
	})
	t.Run("AdminAddsAndTheRoleSticks", func(t *testing.T) {
		added, err := s.AddFacilitator(ctx, host, ada)
		if err != nil || !added {
			t.Fatalf("AddFacilitator = %v, %v", added, err)
		}
		ada, _ = s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "ada"})
		if !ada.IsFacilitator || ada.IsAdmin {
			t.Fatalf("ada = %+v, want facilitator, not admin", ada)
		}
		if added, err := s.AddFacilitator(ctx, host, ada); err != nil || added {
			t.Fatalf("adding twice = %v, %v; want false, nil", added, err)
		}
	})
	t.Run("BotsAreRefused", func(t *testing.T) {
		var inv *knowledge.InvalidError
		if _, err := s.AddFacilitator(ctx, host, robot); !errors.As(err, &inv) {
			t.Fatalf("err = %v, want InvalidError", err)
		}
	})
	t.Run("AdminsCannotBeRemoved", func(t *testing.T) {
		var inv *knowledge.InvalidError
		if _, err := s.RemoveFacilitator(ctx, ada, host); !errors.As(err, &inv) {
			t.Fatalf("err = %v, want InvalidError", err)
		}
	})
	t.Run("ListHasAdminsAndGranted", func(t *testing.T) {
		fs, err := s.Facilitators(ctx, c.ID)
		if err != nil || len(fs) != 2 || fs[0].DisplayName != "ada" || fs[1].DisplayName != "host" {
			t.Fatalf("Facilitators = %+v, %v", fs, err)
		}
	})
	t.Run("RemoveTakesTheRoleBack", func(t *testing.T) {
		removed, err := s.RemoveFacilitator(ctx, host, ada)
		if err != nil || !removed {
			t.Fatalf("RemoveFacilitator = %v, %v", removed, err)
		}
		ada, _ = s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "ada"})
		if ada.IsFacilitator {
			t.Fatal("ada is still a facilitator")
		}
	})
	t.Run("LastFacilitatorStays", func(t *testing.T) {
		d, _ := s.Community(ctx, "discord", "G1")
		owner, _ := s.SeeMember(ctx, d.ID, knowledge.Person{PlatformUserID: "1", DisplayName: "owner", IsAdmin: true})
		eve, _ := s.SeeMember(ctx, d.ID, knowledge.Person{PlatformUserID: "2", DisplayName: "eve"})
		if _, err := s.AddFacilitator(ctx, owner, eve); err != nil {
			t.Fatal(err)
		}
		// The owner loses admin rights on the platform: eve is the last one.
		owner, _ = s.SeeMember(ctx, d.ID, knowledge.Person{PlatformUserID: "1"})
		eve, _ = s.SeeMember(ctx, d.ID, knowledge.Person{PlatformUserID: "2"})
		var inv *knowledge.InvalidError
		if _, err := s.RemoveFacilitator(ctx, eve, eve); !errors.As(err, &inv) {
			t.Fatalf("removing the last facilitator: err = %v, want InvalidError", err)
		}
	})
	t.Run("AnAdminNotHeardOfLatelyIsNotCounted", func(t *testing.T) {
		d, _ := s.Community(ctx, "slack", "T-stale")
		old, _ := s.SeeMember(ctx, d.ID, knowledge.Person{PlatformUserID: "U1", DisplayName: "old", IsAdmin: true})
		eve, _ := s.SeeMember(ctx, d.ID, knowledge.Person{PlatformUserID: "U2", DisplayName: "eve"})
		if _, err := s.AddFacilitator(ctx, old, eve); err != nil {
			t.Fatal(err)
		}
		eve, _ = s.SeeMember(ctx, d.ID, knowledge.Person{PlatformUserID: "U2"})
		// Demoted on the platform long ago and never seen since, old is
		// still is_admin in copbot's books.
		if _, err := s.Pool().Exec(ctx, `UPDATE members SET admin_seen_at = now() - interval '90 days' WHERE platform_user_id = 'U1'`); err != nil {
			t.Fatal(err)
		}
		var inv *knowledge.InvalidError
		if _, err := s.RemoveFacilitator(ctx, eve, eve); !errors.As(err, &inv) {
			t.Fatalf("removing the last facilitator besides a stale admin: err = %v, want InvalidError", err)
		}
	})
	t.Run("AFailedLookupDoesNotDemoteAnAdmin", func(t *testing.T) {
		m, err := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "host", ProfileUnknown: true})
		if err != nil || !m.IsAdmin {
			t.Fatalf("host after a failed lookup = %+v, %v; want still an admin", m, err)
		}
	})
	t.Run("SeveralAtOnceAllOrNothing", func(t *testing.T) {
		var inv *knowledge.InvalidError
		if _, err := s.AddFacilitators(ctx, host, []knowledge.Member{bob, robot}); !errors.As(err, &inv) {
			t.Fatalf("adding bob and a bot: err = %v, want InvalidError", err)
		}
		if bob, _ = s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "bob"}); bob.IsFacilitator {
			t.Fatal("bob was added though the bot was refused")
		}
		changed, err := s.AddFacilitators(ctx, host, []knowledge.Member{bob, host})
		if err != nil || !changed[0] || changed[1] {
			t.Fatalf("adding bob and host = %v, %v; want bob added, host already one", changed, err)
		}
		bob, _ = s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "bob"})
		if _, err := s.RemoveFacilitators(ctx, host, []knowledge.Member{bob, host}); !errors.As(err, &inv) {
			t.Fatalf("removing bob and an admin: err = %v, want InvalidError", err)
		}
		if bob, _ = s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "bob"}); !bob.IsFacilitator {
			t.Fatal("bob was removed though the admin was refused")
		}
	})
}

func TestStore_SetConfig(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c, _ := s.Community(ctx, "slack", "T1")
	fac, _ := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "U1", IsAdmin: true})
	member, _ := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "U2"})

	cfg, err := s.Config(ctx, c.ID)
	if err != nil || cfg.SaveEmoji() != "bulb" {
		t.Fatalf("default save-emoji = %q, %v; want bulb", cfg.SaveEmoji(), err)
	}
	tests := []struct {
		name, key, value string
		by               knowledge.Member
		want             string
		wantErr          bool
	}{
		{"ColonsAreStripped", "save-emoji", ":Star:", fac, "star", false},
		{"UnicodeEmoji", "save-emoji", "💡", fac, "💡", false},
		{"DiscordCustomEmoji", "save-emoji", "<:copbot:123456789>", fac, "copbot", false},
		{"Sentence", "save-emoji", "a big star", fac, "", true},
		{"UnknownKey", "save-emjoi", "star", fac, "", true},
		{"MemberIsRefused", "save-emoji", "star", member, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SetConfig(ctx, tt.by, tt.key, tt.value)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("SetConfig = %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
	cfg, _ = s.Config(ctx, c.ID)
	if cfg.SaveEmoji() != "copbot" {
		t.Fatalf("save-emoji after changes = %q, want the last good value", cfg.SaveEmoji())
	}
	other, _ := s.Community(ctx, "slack", "T2")
	if cfg, _ := s.Config(ctx, other.ID); cfg.SaveEmoji() != "bulb" {
		t.Fatalf("another community's save-emoji = %q; settings leaked", cfg.SaveEmoji())
	}
}
