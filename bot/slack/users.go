package slack

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/copbot/copbot/bot"
)

// userCache keeps users.info answers for a while: names and roles change
// rarely, and users.info is rate limited like every Web API method.
type userCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]cachedUser
}

type cachedUser struct {
	user    bot.User
	expires time.Time
}

// maxUsers bounds the cache; expired entries go first, then everything.
const maxUsers = 50_000

func newUserCache(ttl time.Duration) *userCache {
	return &userCache{ttl: ttl, entries: map[string]cachedUser{}}
}

func (c *userCache) get(id string) (bot.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || time.Now().After(e.expires) {
		return bot.User{}, false
	}
	return e.user, true
}

func (c *userCache) put(u bot.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.entries) >= maxUsers {
		for id, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, id)
			}
		}
		if len(c.entries) >= maxUsers {
			clear(c.entries)
		}
	}
	c.entries[u.ID] = cachedUser{user: u, expires: now.Add(c.ttl)}
}

// user is a Slack user as copbot knows them: display name, bot, and whether
// they are a workspace admin or owner (a facilitator by default). A cache
// miss costs one users.info call.
func (a *Adapter) user(ctx context.Context, id string) (bot.User, error) {
	if u, ok := a.users.get(id); ok {
		return u, nil
	}
	su, err := a.api.GetUserInfoContext(ctx, id)
	a.metrics.apiCall("users.info", err)
	if err != nil {
		return bot.User{ID: id}, apiError("users.info", err)
	}
	name := su.Profile.DisplayName
	for _, n := range []string{su.Profile.RealName, su.RealName, su.Name} {
		if name == "" {
			name = n
		}
	}
	u := bot.User{ID: id, Name: name, IsBot: su.IsBot, IsAdmin: su.IsAdmin || su.IsOwner,
		IsGuest: su.IsRestricted || su.IsUltraRestricted}
	a.users.put(u)
	return u, nil
}

// withProfile completes the user of a command with what users.info says,
// so that workspace admins are facilitators; if Slack cannot say right now,
// the command runs with what the payload carried.
func (a *Adapter) withProfile(ctx context.Context, ev *bot.Event) {
	u, err := a.user(ctx, ev.User.ID)
	if err != nil {
		a.log.WarnContext(ctx, "slack user profile not read; the command runs without it",
			slog.String("user", ev.User.ID), slog.Any("error", err))
		ev.User.ProfileUnknown = true
		return
	}
	if u.Name == "" {
		u.Name = ev.User.Name
	}
	ev.User = u
}
