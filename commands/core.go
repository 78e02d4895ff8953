package commands

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// Core is copbot's brain as adapters see it: a bot.Handler over the store.
type Core struct {
	store  *knowledge.Store
	log    *slog.Logger
	router *Router
}

var _ bot.Handler = (*Core)(nil)

// NewCore wires the command families to the store.
func NewCore(store *knowledge.Store, log *slog.Logger) *Core {
	c := &Core{store: store, log: log}
	c.router = NewRouter(
		c.helpCommand(),
		c.facilitatorCommand(),
		c.configCommand(),
	)
	return c
}

// HandleEvent records who acted, then serves the event. Commands always get
// a reply, an apology at worst; other events return an error when they were
// not recorded, so that the adapter lets the platform deliver them again.
func (c *Core) HandleEvent(ctx context.Context, ev *bot.Event) ([]bot.Reply, error) {
	community, err := c.store.Community(ctx, string(ev.Community.Platform), ev.Community.ExternalID)
	if err == nil && ev.Kind == bot.MemberJoined {
		_, err = c.store.MemberJoined(ctx, community.ID, person(ev.User), ev.Time)
		return nil, err
	}
	var member knowledge.Member
	if err == nil {
		member, err = c.store.SeeMember(ctx, community.ID, person(ev.User))
	}
	if err != nil {
		if ev.Kind == bot.Command {
			c.log.ErrorContext(ctx, "command not served", slog.String("community", ev.Community.String()),
				slog.String("event_id", ev.ID), slog.Any("error", err))
			return []bot.Reply{{Text: bot.Plain("I can't reach my database right now; please try again in a minute.")}}, nil
		}
		return nil, fmt.Errorf("record %s: %w", ev.Kind, err)
	}
	switch ev.Kind {
	case bot.Command:
		return []bot.Reply{c.command(ctx, ev, community, member)}, nil
	default:
		c.log.DebugContext(ctx, "event ignored", slog.String("kind", ev.Kind.String()))
		return nil, nil
	}
}

func (c *Core) command(ctx context.Context, ev *bot.Event, community knowledge.Community, member knowledge.Member) bot.Reply {
	req := &Request{Event: ev, Community: community, Member: member}
	args, err := Parse(ev.Text)
	if err != nil {
		return c.errorReply(ctx, req, err)
	}
	req.Args = args
	reply, err := c.router.ServeCommand(ctx, req)
	if err != nil {
		return c.errorReply(ctx, req, err)
	}
	return reply
}

func person(u bot.User) knowledge.Person {
	return knowledge.Person{PlatformUserID: u.ID, DisplayName: u.Name, IsBot: u.IsBot, IsAdmin: u.IsAdmin}
}

// member resolves a mention to a member of the request's community. A
// platform mention names a user id, so the member is created if copbot has
// not seen them yet; a plain @name must match someone copbot knows.
func (c *Core) member(ctx context.Context, req *Request, t Token) (knowledge.Member, error) {
	if t.ID != "" {
		return c.store.ReferMember(ctx, req.Community.ID, t.ID, t.Name)
	}
	m, err := c.store.MemberByName(ctx, req.Community.ID, t.Name)
	if err != nil {
		if err == knowledge.ErrNotFound {
			return m, &knowledge.InvalidError{Msg: fmt.Sprintf("I don't know anyone called @%s here yet.", t.Name)}
		}
		return m, err
	}
	return m, nil
}
