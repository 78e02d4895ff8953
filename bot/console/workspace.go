package console

import (
	"cmp"
	"context"
	"strings"

	"github.com/copbot/copbot/bot"
)

// The console is one workspace at a time, as a person at Slack is in one
// workspace's window at a time. It starts in its first workspace, named
// console (bot.ConsoleCommunityID); /workspace <name> makes it act as
// another from then on, created on first use: events carry the name as
// their community's external id, and the workspace has its own members,
// channels (their privacy included) and default community, as separate
// Slack workspaces have. Each keeps the member and channel the console was
// at when it left, and a new one starts as Host in #general, its first
// member and an admin, as the first workspace does.
//
// What another workspace than the first says is marked with its name:
// the prompt (host@north #general>), copbot's replies and notices
// (copbot@north). A notice for a workspace the console is not in is marked
// too, even for the first (copbot@console), so that a transcript says
// which workspace spoke; the first workspace's own lines read as they did
// before there were others.

// workspace is one console workspace. Its name is its external id.
type workspace struct {
	name string
	// user and channel are where the console is in the workspace; under
	// Adapter.outMu, since notices read them.
	user, channel string
	users         map[string]bool // members named so far (mentions)
	// joined are the members who joined with /join, for a second join.
	joined map[string]bool
	// private holds the channels /channel marked private; under
	// Adapter.outMu, since FindChannel reads it from job workers.
	private map[string]bool
}

func newWorkspace(name string) *workspace {
	return &workspace{name: name, user: Host, channel: "general", users: map[string]bool{Host: true},
		joined: map[string]bool{}, private: map[string]bool{}}
}

// ref is the workspace as events name it.
func (w *workspace) ref() bot.CommunityRef {
	return bot.CommunityRef{Platform: bot.Console, ExternalID: w.name}
}

// mark is what follows copbot or a member's name in the workspace's lines:
// nothing for the first workspace, @name for another.
func (w *workspace) mark() string {
	if w.name == bot.ConsoleCommunityID {
		return ""
	}
	return "@" + w.name
}

// markOf is the mark of a notice for community's workspace: its own mark,
// or @console for the first workspace when the console is in another. The
// caller holds outMu.
func (a *Adapter) markOf(community bot.CommunityRef) string {
	name := cmp.Or(community.ExternalID, bot.ConsoleCommunityID)
	if name == a.ws.name {
		return a.ws.mark()
	}
	return "@" + inert(name)
}

// lookup finds a workspace used so far by its external id ("" is the
// first), or nil. The caller holds outMu or is the console's goroutine.
func (a *Adapter) lookup(name string) *workspace {
	name = cmp.Or(name, bot.ConsoleCommunityID)
	for _, w := range a.workspaces {
		if w.name == name {
			return w
		}
	}
	return nil
}

// used lists the workspaces used so far, the console's current one first
// and the others in the order they were first used.
func (a *Adapter) used() []*workspace {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	ws := []*workspace{a.ws}
	for _, w := range a.workspaces {
		if w != a.ws {
			ws = append(ws, w)
		}
	}
	return ws
}

const workspaceUsage = "/workspace [<name>]"

// workspace handles a /workspace line: alone it says which workspace the
// console is in and lists those used so far; with a name the console acts
// as that workspace from then on, and a new workspace's first member joins
// it.
func (a *Adapter) workspace(ctx context.Context, h bot.Handler, arg string) error {
	if arg == "" {
		names := make([]string, len(a.workspaces))
		for i, w := range a.workspaces {
			names[i] = w.name
		}
		a.sayf("* you are in workspace %s (%s on the command line), as %s in #%s\n  workspaces so far: %s\n",
			a.ws.name, a.ws.ref(), a.ws.user, a.ws.channel, strings.Join(names, ", "))
		return nil
	}
	name, ok := a.name(arg, workspaceUsage)
	if !ok {
		return nil
	}
	w := a.lookup(name)
	switch {
	case w == a.ws:
		a.sayf("* you are in workspace %s already\n", name)
		return nil
	case w != nil:
		a.outMu.Lock()
		a.ws = w
		a.outMu.Unlock()
		a.sayf("* back in workspace %s, as %s in #%s\n", w.name, w.user, w.channel)
		return nil
	}
	w = newWorkspace(name)
	a.outMu.Lock()
	a.workspaces = append(a.workspaces, w)
	a.ws = w
	a.outMu.Unlock()
	a.sayf("* workspace %s (%s on the command line) is new: you are %s, its first member and an admin, in #%s\n",
		w.name, w.ref(), w.user, w.channel)
	return a.dispatch(ctx, h, &bot.Event{Kind: bot.MemberJoined})
}
