package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// A community linked across workspaces (knowledge/community_links.go) keeps
// the ids of every workspace but its own qualified (bot.Qualify). The core
// qualifies an event from another side as it arrives (seenBy), and every
// way out (a reply, a notice, an adapter call) takes the ids back to the
// workspace they belong to (bot.Unqualify, localize).

// refOf is the workspace reference of a community.
func refOf(c knowledge.Community) bot.CommunityRef {
	return bot.CommunityRef{Platform: bot.Platform(c.Platform), ExternalID: c.ExternalID, Name: c.Name}
}

// seenBy returns ev as community sees it: ev itself, or, for an event
// from another workspace, a copy with that workspace's ids qualified.
func seenBy(ev *bot.Event, community knowledge.Community) *bot.Event {
	if bot.SameWorkspace(ev.Community, refOf(community)) {
		return ev
	}
	q := *ev
	mapEventIDs(&q, ev.Community.Qualify)
	return &q
}

// rawEvent undoes seenBy: the event with the ids its workspace gave.
func rawEvent(ev bot.Event) bot.Event {
	mapEventIDs(&ev, func(id string) string {
		if ws, raw := bot.Unqualify(ev.Community, id); bot.SameWorkspace(ws, ev.Community) {
			return raw
		}
		return id
	})
	return ev
}

func mapEventIDs(ev *bot.Event, f func(string) string) {
	for _, s := range []*string{&ev.ID, &ev.User.ID, &ev.Channel.ID, &ev.Message.ID, &ev.Message.ThreadID, &ev.Message.Author.ID} {
		*s = f(*s)
	}
	if ev.Mentions != nil {
		mentions := make([]string, len(ev.Mentions))
		for i, m := range ev.Mentions {
			mentions[i] = f(m)
		}
		ev.Mentions = mentions
	}
}

// qualifyArgs qualifies the ids of a command's mentions of people and
// channels as seenBy qualified its event's.
func qualifyArgs(args *commandArgs, ev *bot.Event, community knowledge.Community) {
	if bot.SameWorkspace(ev.Community, refOf(community)) {
		return
	}
	for i, t := range args.toks {
		if t.ID != "" && (t.Kind == mentionToken || t.Kind == channelToken) {
			args.toks[i].ID = ev.Community.Qualify(t.ID)
		}
	}
}

// localize writes a reply for readers in workspace: mentions of people of
// that workspace become the platform's own ids again, and mentions of
// people elsewhere (another side of a linked community) become their
// names, which is all a reader here can be shown.
func (c *Core) localize(ctx context.Context, communityID int64, home, workspace bot.CommunityRef, r bot.Reply) bot.Reply {
	var out bot.Text
	changed := false
	for _, sp := range r.Text {
		if sp.Kind != bot.Mention {
			out = append(out, sp)
			continue
		}
		ws, raw := bot.Unqualify(home, sp.Text)
		if bot.SameWorkspace(ws, workspace) {
			changed = changed || raw != sp.Text
			out = append(out, bot.Span{Kind: bot.Mention, Text: raw})
			continue
		}
		changed = true
		name := "someone on " + string(ws.Platform)
		m, err := c.store.MemberByPlatformID(ctx, communityID, sp.Text)
		if err == nil && m.DisplayName != "" {
			name = m.DisplayName + " (on " + string(ws.Platform) + ")"
		} else if err != nil && !errors.Is(err, knowledge.ErrNotFound) {
			c.log.WarnContext(ctx, "name of a member of another side not read", slog.Any("error", err))
		}
		out = append(out, bot.Span{Kind: bot.UserText, Text: "@" + name})
	}
	if changed {
		r.Text = out
	}
	return r
}

// addressed takes a notice of a linked community to the workspace of its
// recipient (a person, else a channel), with that workspace's ids, the
// name its community goes by there, and mentions it can show.
func (c *Core) addressed(ctx context.Context, n bot.Notice) (bot.Notice, error) {
	home := n.Community
	ws, _ := bot.Unqualify(home, cmp.Or(n.UserID, n.ChannelID))
	if bot.SameWorkspace(ws, home) && !hasQualifiedMention(n.Reply.Text) {
		return n, nil // not linked, or for its own workspace with nothing to change
	}
	var intoID int64
	if bot.SameWorkspace(ws, home) {
		into, err := c.store.FindCommunity(ctx, string(home.Platform), home.ExternalID, home.Name)
		if err != nil {
			return n, fmt.Errorf("find the community of a notice: %w", err)
		}
		intoID = into.ID
	} else {
		side, into, err := c.store.LinkedSide(ctx, string(home.Platform), home.ExternalID, home.Name, string(ws.Platform), ws.ExternalID)
		if err != nil {
			return n, fmt.Errorf("find the side of a notice: %w", err)
		}
		intoID, ws.Name = into, side.Name
		n.Community = ws
	}
	for _, id := range []*string{&n.UserID, &n.ChannelID} {
		if w, raw := bot.Unqualify(home, *id); bot.SameWorkspace(w, ws) {
			*id = raw
		}
	}
	n.Reply = c.localize(ctx, intoID, home, ws, n.Reply)
	return n, nil
}

func hasQualifiedMention(t bot.Text) bool {
	for _, sp := range t {
		if sp.Kind == bot.Mention && strings.HasPrefix(sp.Text, "~") {
			return true
		}
	}
	return false
}

func (c *Core) linkCommand() family {
	return family{
		Name:    "link",
		Summary: "one community across workspaces: link this one with another workspace's, and your own accounts",
		Usage: []string{
			"link",
			"link <code>",
			"link me [<code>]",
		},
		Examples: []string{"link", "link K7PQ-2MXA", "link me"},
		Notes: "A community that meets in two workspaces (a Slack workspace and a Discord server, say) can be one: " +
			"a facilitator runs `/cop link` on one side and gets a code, valid 15 minutes, and a facilitator of the other " +
			"side types `/cop link <code>` there. They then share one repository, objectives, mentoring pool and " +
			"stats; each keeps its own channels, and notices reach each person where they are. The community where the " +
			"code is typed must be new (no tips, no objectives). A person in both links their accounts the same way, with " +
			"`/cop link me`, so that they count once. `/cop unlink` splits them again.",
		Handler: handlerFunc(c.link),
	}
}

func (c *Core) unlinkCommand() family {
	return family{
		Name:     "unlink",
		Summary:  "split a linked community again",
		Usage:    []string{"unlink [<community>]", "unlink me"},
		Examples: []string{"unlink", "unlink discord:81384788765712384", "unlink me"},
		Notes: "On a linked side, `/cop unlink` (facilitators) splits that side off; where several are linked in, name the one to " +
			"split off as `/cop community` shows it. What was made while they were linked stays with the community " +
			"they were linked into; the side finds again what it had before. `/cop unlink me` undoes `/cop link me`.",
		Handler: handlerFunc(c.unlink),
	}
}

func (c *Core) link(ctx context.Context, req *request) (bot.Reply, error) {
	first, _ := req.Args.ShiftWord()
	if strings.EqualFold(first, "me") {
		return c.linkMe(ctx, req)
	}
	if req.Args.Len() > 0 {
		return bot.Reply{}, usagef("link", "`/cop link` takes one code: `/cop link K7PQ-2MXA`.")
	}
	if first == "" {
		return c.linkCodeReply(ctx, req)
	}
	// The code is typed in the community that joins: as it stands in its
	// own workspace, not as the event was routed.
	here := req.Community
	if here.Side != nil {
		return bot.Reply{}, &knowledge.InvalidError{Msg: fmt.Sprintf("This community is linked with %s already; `/cop unlink` first.", req.Community.Place())}
	}
	into, err := c.store.Link(ctx, req.Member, here, first, refOf(here).Qualify(rawEvent(*req.Event).User.ID))
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Plain("Only facilitators link communities; ask one (`/cop facilitator list`).")}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Linked: this community is now one with *%s*. Reactions and commands here act on it: one repository, "+
		"objectives, mentoring pool and stats; this workspace keeps its own channels.", bot.Untrusted(into.Place()))
	t = t.Line("You are one of its facilitators. Members who are in both can count once with `/cop link me`. `/cop unlink` splits them again.")
	return bot.Reply{Text: t, Visibility: bot.InChannel}, nil
}

func (c *Core) linkCodeReply(ctx context.Context, req *request) (bot.Reply, error) {
	code, _, err := c.store.LinkCode(ctx, req.Member)
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Plain("Only facilitators link communities; ask one (`/cop facilitator list`).")}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Your link code: *%s* (good once, for %d minutes).", code, int(knowledge.LinkCodeTTL.Minutes()))
	t = t.Line("In the other workspace, in the community to link with this one, a facilitator types `/cop link %s`.", code)
	t = t.Line("That community must be new (no tips, no objectives): it becomes a side of *%s*.", bot.Untrusted(req.Community.Label()))
	return bot.Reply{Text: t}, nil
}

func (c *Core) linkMe(ctx context.Context, req *request) (bot.Reply, error) {
	if sides, err := c.store.Sides(ctx, req.Community); err != nil {
		return bot.Reply{}, err
	} else if len(sides) == 0 {
		return bot.Reply{Text: bot.Plain("This community is not linked with another workspace's, so you have one account in it; nothing to link.")}, nil
	}
	code, _ := req.Args.ShiftWord()
	if req.Args.Len() > 0 {
		return bot.Reply{}, usagef("link", "`/cop link me` takes one code: `/cop link me K7PQ-2MXA`.")
	}
	if code == "" {
		code, _, err := c.store.LinkMeCode(ctx, req.Member)
		if err != nil {
			return bot.Reply{}, err
		}
		t := bot.Textf("Your code: *%s* (good once, for %d minutes). With your account in the other workspace, type `/cop link me %s` there.",
			code, int(knowledge.LinkCodeTTL.Minutes()), code)
		return bot.Reply{Text: t}, nil
	}
	other, err := c.store.LinkMe(ctx, req.Member, code)
	if err != nil {
		return bot.Reply{}, err
	}
	ws, _ := bot.Unqualify(refOf(req.Community), other.PlatformUserID)
	return bot.Reply{Text: bot.Textf("Linked: you and %s on %s are one person here now: never your own mentor, and one "+
		"active member in stats. `/cop unlink me` undoes it.", bot.Untrusted(other.DisplayName), ws.String())}, nil
}

func (c *Core) unlink(ctx context.Context, req *request) (bot.Reply, error) {
	named, _ := req.Args.ShiftWord()
	if strings.EqualFold(named, "me") {
		undone, err := c.store.UnlinkMe(ctx, req.Member)
		if err != nil || !undone {
			return bot.Reply{Text: bot.Plain("Your account here is not linked with another; nothing to undo.")}, err
		}
		return bot.Reply{Text: bot.Plain("Unlinked: your account here counts as a person of its own again.")}, nil
	}
	if err := knowledge.MayFacilitate(req.Member); err != nil {
		return bot.Reply{}, err
	}
	sides, err := c.store.Sides(ctx, req.Community)
	if err != nil {
		return bot.Reply{}, err
	}
	var side knowledge.Community
	switch {
	case named == "" && req.Community.Side != nil:
		side = *req.Community.Side
	case named == "" && len(sides) == 1:
		side = sides[0]
	case named == "" && len(sides) == 0:
		return bot.Reply{Text: bot.Plain("This community is not linked with another workspace's.")}, nil
	case named == "":
		return bot.Reply{}, usagef("unlink", "Several workspaces are linked in; name the one to split off: "+placeList(sides)+".")
	default:
		found := false
		for _, s := range sides {
			if strings.EqualFold(named, refOf(s).String()) {
				side, found = s, true
			}
		}
		if !found {
			return bot.Reply{}, &knowledge.InvalidError{Msg: fmt.Sprintf("%s is not linked with this community; linked: %s.", named, cmp.Or(placeList(sides), "none"))}
		}
	}
	if err := c.store.Unlink(ctx, req.Member, side); err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Unlinked: %s is a community of its own again, with what it had before the link.", bot.Untrusted(side.Place()))
	t = t.Line("What was made while linked stays with *%s*.", bot.Untrusted(req.Community.Place()))
	return bot.Reply{Text: t, Visibility: bot.InChannel}, nil
}

func placeList(cs []knowledge.Community) string {
	names := make([]string, len(cs))
	for i, s := range cs {
		names[i] = "`" + refOf(s).String() + "`"
	}
	return strings.Join(names, ", ")
}
