package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// communityFamilies are the commands about communities themselves.
func (c *Core) communityFamilies() []family {
	return []family{c.communityCommand(), c.inCommand(), c.linkCommand(), c.unlinkCommand()}
}

// community is the community an event belongs to: the one whose home its
// channel is, else the workspace's default community, which also takes
// joins (a join is to the workspace). It is read from memory.
func (c *Core) community(ctx context.Context, ev *bot.Event) (knowledge.Community, error) {
	channel := ev.Channel.ID
	if ev.Kind == bot.MemberJoined {
		channel = ""
	}
	return c.store.HomeOf(ctx, string(ev.Community.Platform), ev.Community.ExternalID, channel)
}

// whichCommunity decides the community of a command whose channel does
// not say: a private channel or direct message that is no community's
// home. A member of one community acts on it; a member of several is
// asked, with a button for each (/cop in <community> …). Elsewhere the
// channel's community stands.
func (c *Core) whichCommunity(ctx context.Context, ev *bot.Event, home knowledge.Community) (knowledge.Community, *bot.Reply, error) {
	own := home // the community as its workspace knows it
	if home.Side != nil {
		own = *home.Side
	}
	if own.Name != "" || !ev.Channel.Private && ev.Channel.ID != "" {
		return home, nil, nil
	}
	if w := firstWord(ev.Text); w == "in" || w == "community" || w == "help" || w == "link" || w == "unlink" {
		return home, nil, nil
	}
	ws := ev.Community
	if named, err := c.store.HasNamedCommunities(ctx, string(ws.Platform), ws.ExternalID); err != nil || !named {
		return home, nil, err
	}
	mine, err := c.store.CommunitiesOf(ctx, string(ws.Platform), ws.ExternalID, rawEvent(*ev).User.ID)
	switch {
	case err != nil:
		return home, nil, err
	case len(mine) == 0:
		return home, nil, nil
	case len(mine) == 1:
		routed, err := c.store.Routed(ctx, mine[0])
		return routed, nil, err
	}
	t := bot.Plain("You are in several communities here; which one is this for?")
	var buttons []bot.Button
	for _, m := range mine {
		buttons = append(buttons, bot.Button{Label: m.Label(), Command: "in " + m.Label() + " " + ev.Text})
	}
	t = t.Line("Or say it outright: `/cop in <community> %s`.", bot.Untrusted(ev.Text))
	return home, &bot.Reply{Text: t, Buttons: buttons}, nil
}

func (c *Core) communityCommand() family {
	return family{
		Name:    "community",
		Summary: "the communities of this workspace and their home channels",
		Usage: []string{
			"community [show]",
			"community create <name> #channel [#channel …]",
			"community channels add|remove #channel [#channel …]",
			"community join <name>",
			"community rename <name>",
			"community archive [confirm]",
		},
		Examples: []string{"community", "community create frontend #frontend #css", "community channels add #design",
			"community join frontend"},
		Notes: "A workspace can hold several communities of practice, each with its own home channels, repository, " +
			"objectives, mentoring, stats and settings. What happens in a home channel belongs to its community; every " +
			"other channel belongs to the workspace's default community. Workspace admins and facilitators of the " +
			"default community create communities; a community's facilitators change its channels, rename or archive it. " +
			"Elsewhere (a direct message), `/cop in <community> <command>` runs a command in the one you name.",
		Handler: subcommands{
			"":         c.communityShow,
			"show":     c.communityShow,
			"create":   c.communityCreate,
			"channels": forFacilitators(notOnSide(c.communityChannels)),
			"join":     c.communityJoin,
			"rename":   forFacilitators(notOnSide(c.communityRename)),
			"archive":  forFacilitators(notOnSide(c.communityArchive)),
		},
	}
}

// notOnSide refuses a change of a community's own channels, name or
// archiving from a linked side, which is another workspace's community.
func notOnSide(h handlerFunc) handlerFunc {
	return func(ctx context.Context, req *request) (bot.Reply, error) {
		if side := req.Community.Side; side != nil {
			return bot.Reply{}, &knowledge.InvalidError{Msg: fmt.Sprintf("Here is %s, linked with %s: its home channels, name and "+
				"archiving stay as they were while linked. `/cop unlink`, change them, and link again.", side.Label(), req.Community.Place())}
		}
		return h(ctx, req)
	}
}

// communityShow says which community the channel belongs to and lists the
// workspace's communities.
func (c *Core) communityShow(ctx context.Context, req *request) (bot.Reply, error) {
	if req.Args.Len() > 0 {
		return bot.Reply{}, usagef("community", "`/cop community` takes nothing more; see the subcommands below.")
	}
	ws := req.Event.Community
	all, err := c.store.Communities(ctx, string(ws.Platform), ws.ExternalID)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Here you are in the community *%s*.", bot.Untrusted(req.Community.Label()))
	if side := req.Community.Side; side != nil {
		t = bot.Textf("Here you are in the community *%s*, linked with *%s*: one repository, objectives, mentoring pool and stats "+
			"across both workspaces.", bot.Untrusted(side.Label()), bot.Untrusted(req.Community.Place()))
	} else if sides, err := c.store.Sides(ctx, req.Community); err != nil {
		return bot.Reply{}, err
	} else if len(sides) > 0 {
		t = t.Line("It is linked with %s: one community across workspaces.", bot.Untrusted(placeList(sides)))
	}
	if len(all) == 1 {
		t = t.Line("It is the only community of this workspace; `/cop community create <name> #channel` makes another.")
		return bot.Reply{Text: t}, nil
	}
	t = t.Line("Communities of this workspace:")
	for _, info := range all {
		where := "every channel that is no other community's home"
		if info.Name != "" {
			names := make([]string, len(info.Channels))
			for i, ch := range info.Channels {
				names[i] = "#" + ch.Name
			}
			where = strings.Join(names, ", ")
			if where == "" {
				where = "no home channel yet"
			}
		}
		t = t.Line("• *%s*: %s; %d %s", bot.Untrusted(info.Label()), bot.Untrusted(where), info.Members, plural(info.Members, "member", "members"))
	}
	return bot.Reply{Text: t}, nil
}

func (c *Core) communityCreate(ctx context.Context, req *request) (bot.Reply, error) {
	name, ok := req.Args.ShiftWord()
	if !ok {
		return bot.Reply{}, usagef("community", "Name the community and its home channels: `/cop community create frontend #frontend`.")
	}
	channels, err := c.homeChannels(ctx, req)
	if err != nil {
		return bot.Reply{}, err
	}
	// Creating is a right in the workspace's default community, as the
	// workspace knows it (not the community a side is linked into).
	by := req.Member
	if req.Community.Name != "" || req.Community.Side != nil {
		ws, raw := req.Event.Community, rawEvent(*req.Event)
		def, err := c.store.Community(ctx, string(ws.Platform), ws.ExternalID)
		if err != nil {
			return bot.Reply{}, err
		}
		if by, err = c.store.SeeMember(ctx, def.ID, person(raw.User)); err != nil {
			return bot.Reply{}, err
		}
		for i := range channels {
			_, channels[i].ID = bot.Unqualify(refOf(req.Community), channels[i].ID)
		}
	}
	created, err := c.store.CreateCommunity(ctx, by, name, channels)
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Plain("Workspace admins and facilitators of the default community create communities; ask one of them (`/cop facilitator list`).")}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Textf("Created the community *%s*, at home in %s. You are its first facilitator.", bot.Untrusted(created.Name),
		bot.Untrusted(channelList(channels)))
	t = t.Line("What happens there now belongs to %s: reactions save into its repository, and commands act on it. "+
		"Its settings start fresh: `/cop in %s config`.", bot.Untrusted(created.Name), bot.Untrusted(created.Name))
	return bot.Reply{Text: t, Visibility: bot.InChannel}, nil
}

func (c *Core) communityChannels(ctx context.Context, req *request) (bot.Reply, error) {
	w, _ := req.Args.ShiftWord()
	w = strings.ToLower(w)
	if w != "add" && w != "remove" {
		return bot.Reply{}, usagef("community", "Add or remove home channels: `/cop community channels add #design`.")
	}
	channels, err := c.homeChannels(ctx, req)
	if err != nil {
		return bot.Reply{}, err
	}
	changed, err := c.store.ChangeHomes(ctx, req.Member, w == "add", channels)
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Textf("Only facilitators of %s change its home channels.", bot.Untrusted(req.Community.Label()))}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	var t bot.Text
	if n := len(changed); n > 0 {
		verb := plural(n, "is now a home channel of", "are now home channels of")
		if w == "remove" {
			verb = plural(n, "belongs", "belong") + " to the default community again, no longer to"
		}
		t = bot.Textf("%s %s %s.", bot.Untrusted(channelList(changed)), verb, bot.Untrusted(req.Community.Label()))
	}
	var same []knowledge.HomeChannel
	for _, ch := range channels {
		if !containsChannel(changed, ch.ID) {
			same = append(same, ch)
		}
	}
	if n := len(same); n > 0 {
		state := plural(n, "was its home channel already", "were its home channels already")
		if w == "remove" {
			state = plural(n, "was not its home channel", "were not its home channels")
		}
		t = t.Line("%s %s, so nothing changed there.", bot.Untrusted(channelList(same)), state)
	}
	return bot.Reply{Text: t, Visibility: bot.InChannel}, nil
}

func (c *Core) communityJoin(ctx context.Context, req *request) (bot.Reply, error) {
	name, ok := req.Args.ShiftWord()
	if !ok || req.Args.Len() > 0 {
		return bot.Reply{}, usagef("community", "Name one community: `/cop community join frontend`.")
	}
	target, err := c.namedCommunity(ctx, req, name)
	if err != nil {
		return bot.Reply{}, err
	}
	if _, err := c.store.SeeMember(ctx, target.ID, person(req.Event.User)); err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: bot.Textf("You are a member of %s. In a direct message, `/cop in %s <command>` acts on it; in its home channels every command does.",
		bot.Untrusted(target.Label()), bot.Untrusted(target.Label()))}, nil
}

func (c *Core) communityRename(ctx context.Context, req *request) (bot.Reply, error) {
	name, ok := req.Args.ShiftWord()
	if !ok || req.Args.Len() > 0 {
		return bot.Reply{}, usagef("community", "Give the new name, one word: `/cop community rename web`.")
	}
	old := req.Community.Label()
	if name == old {
		return bot.Reply{Text: bot.Textf("It is called %s already.", bot.Untrusted(name))}, nil
	}
	renamed, err := c.store.RenameCommunity(ctx, req.Member, name)
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Textf("Only facilitators of %s rename it.", bot.Untrusted(old))}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: bot.Textf("%s is now called %s.", bot.Untrusted(old), bot.Untrusted(renamed.Name)), Visibility: bot.InChannel}, nil
}

func (c *Core) communityArchive(ctx context.Context, req *request) (bot.Reply, error) {
	confirm, _ := req.Args.ShiftWord()
	if req.Args.Len() > 0 || confirm != "" && !strings.EqualFold(confirm, "confirm") {
		return bot.Reply{}, usagef("community", "`/cop community archive confirm` archives the community of this channel.")
	}
	name := req.Community.Label()
	if confirm == "" {
		if req.Community.Name == "" {
			return bot.Reply{}, &knowledge.InvalidError{Msg: "The default community cannot be archived."}
		}
		return bot.Reply{Text: bot.Textf("Archiving %s gives its home channels back to the default community; its tips, objectives "+
			"and pairings are kept but nobody reaches them. Sure? `/cop community archive confirm`", bot.Untrusted(name)),
			Buttons: []bot.Button{{Label: "Archive " + name, Command: "community archive confirm", Style: "danger"}}}, nil
	}
	if _, err := c.store.ArchiveCommunity(ctx, req.Member); errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Textf("Only facilitators of %s archive it.", bot.Untrusted(name))}, nil
	} else if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: bot.Textf("%s is archived; its channels belong to the default community again.", bot.Untrusted(name)),
		Visibility: bot.InChannel}, nil
}

// homeChannels reads the #channels that end a community command.
func (c *Core) homeChannels(ctx context.Context, req *request) ([]knowledge.HomeChannel, error) {
	var out []knowledge.HomeChannel
	for req.Args.Len() > 0 {
		t, _ := req.Args.Shift()
		if t.Kind != channelToken && t.Kind != tagToken {
			return nil, usageTextf("community", "“%s” is not a channel; name channels with #, like #frontend.", bot.Untrusted(t.Text))
		}
		ch, err := c.channel(ctx, req, t)
		if err != nil {
			return nil, err
		}
		if !containsChannel(out, ch.ID) {
			out = append(out, knowledge.HomeChannel{ID: ch.ID, Name: ch.Name})
		}
	}
	if len(out) == 0 {
		return nil, usagef("community", "Name the channels with #, like `#frontend`.")
	}
	return out, nil
}

// namedCommunity finds a community of the request's workspace by name.
func (c *Core) namedCommunity(ctx context.Context, req *request, name string) (knowledge.Community, error) {
	ws := req.Event.Community
	target, err := c.store.CommunityNamed(ctx, string(ws.Platform), ws.ExternalID, name)
	if errors.Is(err, knowledge.ErrNotFound) {
		return target, &knowledge.InvalidError{Msg: fmt.Sprintf("There is no community called %s here; `/cop community` lists them.", name)}
	}
	if err != nil {
		return target, err
	}
	return c.store.Routed(ctx, target)
}

func (c *Core) inCommand() family {
	return family{
		Name:     "in",
		Summary:  "run a command in a community you name",
		Usage:    []string{"in <community> <command>"},
		Examples: []string{"in frontend tips", "in default search flaky tests"},
		Notes: "Where a channel does not say which community you mean (a direct message, or a channel outside " +
			"your communities), name it: `default` is the workspace's default community.",
		FreeText: true,
		Handler:  handlerFunc(c.in),
	}
}

// in serves /cop in <community> <command>: the command runs as if typed in
// the named community, by the same person.
func (c *Core) in(ctx context.Context, req *request) (bot.Reply, error) {
	name, rest := splitFirstWord(restAfterFirstWord(req.Event.Text))
	if name == "" || rest == "" {
		return bot.Reply{}, usagef("in", "Name the community, then the command: `/cop in frontend tips`.")
	}
	target, err := c.namedCommunity(ctx, req, name)
	if err != nil {
		return bot.Reply{}, err
	}
	raw := rawEvent(*req.Event)
	raw.Text = rest
	ev := seenBy(&raw, target)
	member, err := c.store.SeeMember(ctx, target.ID, person(ev.User))
	if err != nil {
		return bot.Reply{}, err
	}
	own := target // as the workspace knows it
	if target.Side != nil {
		own = *target.Side
	}
	r := scoped(own.Name, c.command(ctx, ev, target, member))
	if target.ID != req.Community.ID {
		// The channel belongs to another community: its members do not
		// see what happens in this one.
		r.Visibility = bot.Ephemeral
	}
	return r, nil
}

// scoped writes the commands of a reply about a named community for it:
// its buttons run "in <name> …" and the commands it suggests say so, since
// its reader may type them where the channel's community is another.
func scoped(name string, r bot.Reply) bot.Reply {
	if name == "" {
		return r
	}
	prefix := "in " + name + " "
	buttons := make([]bot.Button, len(r.Buttons))
	for i, b := range r.Buttons {
		if !strings.HasPrefix(b.Command, "in ") {
			b.Command = prefix + b.Command
		}
		buttons[i] = b
	}
	r.Buttons = buttons
	text := make(bot.Text, len(r.Text))
	for i, sp := range r.Text {
		if sp.Kind == bot.Markup {
			parts := strings.Split(sp.Text, "`/cop ")
			for j := 1; j < len(parts); j++ {
				if !strings.HasPrefix(parts[j], "in ") {
					parts[j] = prefix + parts[j]
				}
			}
			sp.Text = strings.Join(parts, "`/cop ")
		}
		text[i] = sp
	}
	r.Text = text
	return r
}

func channelList(channels []knowledge.HomeChannel) string {
	names := make([]string, len(channels))
	for i, ch := range channels {
		names[i] = "#" + ch.Name
	}
	return strings.Join(names, ", ")
}

func containsChannel(channels []knowledge.HomeChannel, id string) bool {
	for _, ch := range channels {
		if ch.ID == id {
			return true
		}
	}
	return false
}
