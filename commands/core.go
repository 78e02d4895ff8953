package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// Core is copbot's brain as adapters see it: a bot.Handler over the store.
type Core struct {
	store  *knowledge.Store
	log    *slog.Logger
	router *router
	// adapters by platform, for their optional abilities (fetching messages,
	// sending notices).
	adapters map[bot.Platform]bot.Adapter
	// configs caches community settings: every reaction needs the save
	// emoji, and none waits on a read once a community's settings are known.
	configs sync.Map // int64 → *cachedConfig
	// wake tells runInbox that this process recorded an event.
	wake chan struct{}
	// arrivals measures how fast events are recorded, so that captures give
	// way to acknowledgements in a burst.
	arrivals rateMeter
	// limits remembers until when each community's platform asked copbot
	// not to call it (a 429).
	limits sync.Map // bot.CommunityRef → time.Time
	// finished holds the jobs this process worked to their end lately, for
	// Settle.
	finishedMu sync.Mutex
	finished   map[int64]time.Time
	// drops counts events dropped on purpose, by reason.
	drops dropCounts
}

type cachedConfig struct {
	cfg        knowledge.Config
	at         time.Time
	refreshing atomic.Bool
}

// configTTL is how old cached settings may be before they are read again,
// in the background: another process's change is seen within configTTL
// and one read. This process's own changes drop the cache at once.
const configTTL = 5 * time.Second

var _ bot.Handler = (*Core)(nil)

// NewCore wires the command families to the store. The adapters are those
// the core may call back (to fetch a message, to send a notice).
func NewCore(store *knowledge.Store, log *slog.Logger, adapters ...bot.Adapter) *Core {
	c := &Core{store: store, log: log, adapters: map[bot.Platform]bot.Adapter{}, wake: make(chan struct{}, 1),
		finished: map[int64]time.Time{}}
	for _, a := range adapters {
		c.adapters[bot.Platform(a.Name())] = a
	}
	c.router = newRouter(
		c.helpCommand(),
		c.facilitatorCommand(),
		c.configCommand(),
		c.saveCommand(),
		c.searchCommand(),
		c.tipsCommand(),
		c.tagCommand(),
		c.untagCommand(),
		c.removeCommand(),
		c.restoreCommand(),
		c.notesCommand(),
		c.objectiveCommand(),
		c.checkinCommand(),
		c.mentorCommand(),
		c.statsCommand(),
		c.digestCommand(),
		c.storyCommand(),
		c.storiesCommand(),
		c.partnerCommand(),
		c.shareCommand(),
	)
	c.router.add(c.communityFamilies()...)
	return c
}

// Grammar lists every /cop family with its subcommands (router.Grammar).
func (c *Core) Grammar() map[string][]string { return c.router.Grammar() }

// settings reads a community's settings through the cache.
func (c *Core) settings(ctx context.Context, communityID int64) (knowledge.Config, error) {
	if v, ok := c.configs.Load(communityID); ok {
		cached := v.(*cachedConfig)
		if time.Since(cached.at) >= configTTL && cached.refreshing.CompareAndSwap(false, true) {
			go c.refreshSettings(ctx, communityID, cached)
		}
		return cached.cfg, nil
	}
	cfg, err := c.store.Config(ctx, communityID)
	if err != nil {
		return nil, err
	}
	c.configs.Store(communityID, &cachedConfig{cfg: cfg, at: time.Now()})
	return cfg, nil
}

// refreshSettings reads a community's settings again, in the background,
// and keeps them unless the cache changed meanwhile (this process changed
// a setting and dropped it).
func (c *Core) refreshSettings(ctx context.Context, communityID int64, old *cachedConfig) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	cfg, err := c.store.Config(ctx, communityID)
	if err != nil {
		old.refreshing.Store(false) // the next event tries again
		c.log.WarnContext(ctx, "settings not read again", slog.Int64("community", communityID), slog.Any("error", err))
		return
	}
	c.configs.CompareAndSwap(communityID, old, &cachedConfig{cfg: cfg, at: time.Now()})
}

// HandleEvent serves an event. Commands are answered at once and always get
// a reply, an apology at worst. Other events are recorded in the inbox, one
// write, and applied after the acknowledgement by runInbox; they return an
// error when they were not recorded, so that the adapter lets the platform
// deliver them again.
func (c *Core) HandleEvent(ctx context.Context, ev *bot.Event) ([]bot.Reply, error) {
	// Adapters refuse what bot.Event.Check refuses; the core does not count
	// on it: text is made storable, and an event it still cannot take is
	// logged and dropped rather than failed, which would have the platform
	// deliver it again and again.
	clean(ev)
	if err := ev.Check(); err != nil && ev.Kind != bot.Command {
		c.log.WarnContext(ctx, "event ignored", slog.String("kind", ev.Kind.String()),
			slog.String("event_id", ev.ID), slog.String("community", ev.Community.String()), slog.Any("error", err))
		return nil, nil
	}
	community, err := c.community(ctx, ev)
	if err != nil {
		return c.notRecorded(ctx, ev, err)
	}
	raw := ev
	ev = seenBy(raw, community)
	switch ev.Kind {
	case bot.Command:
		isNew, err := c.store.RecordCommand(ctx, community.ID, ev.ID)
		if err != nil {
			return c.notRecorded(ctx, ev, err)
		}
		if !isNew {
			c.log.InfoContext(ctx, "command delivered again; not run twice", slog.String("event_id", ev.ID))
			return []bot.Reply{{Text: bot.Plain("I already ran that command; it was delivered twice.")}}, nil
		}
		community, choice, err := c.whichCommunity(ctx, ev, community)
		if err != nil {
			return c.notRecorded(ctx, ev, err)
		} else if choice != nil {
			return []bot.Reply{*choice}, nil
		}
		ev = seenBy(raw, community)
		member, err := c.store.SeeMember(ctx, community.ID, person(ev.User))
		if err != nil {
			return c.notRecorded(ctx, ev, err)
		}
		reply := c.command(ctx, ev, community, member)
		return []bot.Reply{c.localize(ctx, community.ID, refOf(community), ev.Community, reply)}, nil
	case bot.ReactionAdded, bot.ReactionRemoved:
		err = c.reaction(ctx, ev, community)
	case bot.MemberJoined:
		err = c.recorded(c.store.RecordJoin(ctx, community.ID, ev.ID, person(ev.User), ev.Time))
	case bot.MessageEdited:
		err = c.recorded(c.store.RecordEdit(ctx, community.ID, ev.ID, ev.Message.ID, ev.Message.Text))
	case bot.MessageDeleted:
		err = c.recorded(c.store.RecordDelete(ctx, community.ID, ev.ID, ev.Message.ID))
	case bot.ReactionsCleared:
		err = c.reactionsCleared(ctx, ev, community)
	case bot.ChannelDeleted:
		err = c.recorded(c.store.RecordChannelDelete(ctx, community.ID, ev.ID, ev.Channel.ID))
	default:
		c.log.DebugContext(ctx, "event ignored", slog.String("kind", ev.Kind.String()))
	}
	if err != nil {
		return c.notRecorded(ctx, ev, err)
	}
	return nil, nil
}

// notRecorded answers an event the store could not take: a command gets a
// friendly reply (and the failure is logged), anything else an error so the
// platform delivers it again.
func (c *Core) notRecorded(ctx context.Context, ev *bot.Event, err error) ([]bot.Reply, error) {
	if ev.Kind != bot.Command {
		return nil, fmt.Errorf("record %s: %w", ev.Kind, err)
	}
	c.log.ErrorContext(ctx, "command not served", slog.String("community", ev.Community.String()),
		slog.String("event_id", ev.ID), slog.Any("error", err))
	return []bot.Reply{{Text: bot.Plain("I can't reach my database right now; please try again in a minute.")}}, nil
}

func (c *Core) command(ctx context.Context, ev *bot.Event, community knowledge.Community, member knowledge.Member) bot.Reply {
	req := &request{Event: ev, Community: community, Member: member}
	text := ev.Text
	if c.router.FreeText(text) { // the handler reads the rest as typed
		text, _ = splitFirstWord(text)
	}
	read := parse
	if c.router.EndsInText(text) {
		read = parseLenient
	}
	args, err := read(text)
	if err != nil {
		return c.errorReply(ctx, req, err)
	}
	qualifyArgs(args, ev, community)
	req.Args = args
	serve := func() (bot.Reply, error) { return c.router.ServeCommand(ctx, req) }
	var reply bot.Reply
	if key, ok := repeatKey(ev.Text); ok {
		reply, err = c.runOnce(ctx, req, key, serve)
	} else {
		reply, err = serve()
	}
	if err != nil {
		return c.errorReply(ctx, req, err)
	}
	return reply
}

// clean makes what people typed storable: PostgreSQL's text holds neither
// NUL nor invalid UTF-8, and one such event must not fail every other event
// recorded with it. An event without a time takes the time it arrived.
func clean(ev *bot.Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	for _, s := range []*string{&ev.ID, &ev.Text, &ev.User.ID, &ev.User.Name, &ev.Channel.ID, &ev.Channel.Name,
		&ev.Message.ID, &ev.Message.ThreadID, &ev.Message.Text, &ev.Message.Author.ID, &ev.Message.Author.Name} {
		if !utf8.ValidString(*s) || strings.IndexByte(*s, 0) >= 0 {
			*s = strings.ReplaceAll(strings.ToValidUTF8(*s, "\uFFFD"), "\x00", "")
		}
	}
}

func person(u bot.User) knowledge.Person {
	return knowledge.Person{PlatformUserID: u.ID, DisplayName: u.Name, IsBot: u.IsBot, IsAdmin: u.IsAdmin, IsGuest: u.IsGuest, ProfileUnknown: u.ProfileUnknown}
}

// member resolves a mention to a member of the request's community. A
// mention the platform made (bot.Event.Mentions) names a user id, so the
// member is created if copbot has not seen them yet; text typed to look
// like a mention may only name a member copbot knows, by id, and a plain
// @name must name exactly one member copbot knows.
func (c *Core) member(ctx context.Context, req *request, t token) (knowledge.Member, error) {
	if t.ID != "" {
		if req.Event.Mentions == nil || slices.Contains(req.Event.Mentions, t.ID) {
			return c.store.ReferMember(ctx, req.Community.ID, t.ID, t.Name)
		}
		m, err := c.store.MemberByPlatformID(ctx, req.Community.ID, t.ID)
		if errors.Is(err, knowledge.ErrNotFound) {
			return m, &knowledge.InvalidError{Msg: "I don't know that member here yet. Mention them by typing @ and picking their name."}
		}
		return m, err
	}
	m, err := c.store.MemberByName(ctx, req.Community.ID, t.Name)
	switch {
	case errors.Is(err, knowledge.ErrNotFound):
		return m, &knowledge.InvalidError{Msg: fmt.Sprintf("I don't know anyone called @%s here yet.", t.Name)}
	case errors.Is(err, knowledge.ErrAmbiguous):
		return m, &knowledge.InvalidError{Msg: fmt.Sprintf("Several members are called @%s; mention the one you mean by typing @ and picking them.", t.Name)}
	}
	return m, err
}
