package commands

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) facilitatorCommand() family {
	return family{
		Name:    "facilitator",
		Summary: "who looks after the community and its settings",
		Usage:   []string{"facilitator list", "facilitator add @user [@user …]", "facilitator remove @user"},
		Examples: []string{
			"facilitator add @ada",
			"facilitator list",
		},
		Notes: "Workspace admins and owners (Slack) and members with Manage Server (Discord) are facilitators " +
			"automatically. Facilitators can add and remove others.",
		Handler: subcommands{
			"":       c.facilitatorList,
			"list":   c.facilitatorList,
			"add":    forFacilitators(c.facilitatorAdd),
			"remove": forFacilitators(c.facilitatorRemove),
		},
	}
}

func (c *Core) facilitatorList(ctx context.Context, req *request) (bot.Reply, error) {
	fs, err := c.store.Facilitators(ctx, req.Community.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(fs) == 0 {
		return bot.Reply{Text: bot.Plain("This community has no facilitators yet.")}, nil
	}
	t := bot.Plain("Facilitators:")
	for _, f := range fs {
		var notes []string
		if f.IsAdmin {
			notes = append(notes, "admin")
		}
		// In a community linked across workspaces, say where each one is.
		if ws, _ := bot.Unqualify(refOf(req.Community), f.PlatformUserID); !bot.SameWorkspace(ws, req.Event.Community) {
			notes = append(notes, "on "+ws.String())
		}
		if len(notes) > 0 {
			t = t.Line("• %s (%s)", bot.Untrusted(displayName(f)), strings.Join(notes, ", "))
		} else {
			t = t.Line("• %s", bot.Untrusted(displayName(f)))
		}
	}
	return bot.Reply{Text: t}, nil
}

func (c *Core) facilitatorAdd(ctx context.Context, req *request) (bot.Reply, error) {
	return c.changeFacilitators(ctx, req, c.store.AddFacilitators, "is now a facilitator", "was already a facilitator")
}

func (c *Core) facilitatorRemove(ctx context.Context, req *request) (bot.Reply, error) {
	return c.changeFacilitators(ctx, req, c.store.RemoveFacilitators, "is no longer a facilitator", "was not a facilitator")
}

// changeFacilitators applies change to every mentioned member, all or
// none; the reply reports each one.
func (c *Core) changeFacilitators(ctx context.Context, req *request,
	change func(context.Context, knowledge.Member, []knowledge.Member) ([]bool, error), done, unchanged string,
) (bot.Reply, error) {
	mentions := req.Args.Mentions()
	if len(mentions) == 0 || req.Args.Len() > 0 {
		return bot.Reply{}, usagef("facilitator", "Mention the members, for example `/cop "+req.Path+" @ada`.")
	}
	targets := make([]knowledge.Member, 0, len(mentions))
	for _, m := range mentions {
		target, err := c.member(ctx, req, m)
		var inv *knowledge.InvalidError
		if errors.As(err, &inv) && len(mentions) > 1 {
			return bot.Reply{}, &knowledge.InvalidError{Msg: inv.Msg + " So I changed nobody."}
		}
		if err != nil {
			return bot.Reply{}, err
		}
		if !slices.ContainsFunc(targets, func(t knowledge.Member) bool { return t.ID == target.ID }) {
			targets = append(targets, target)
		}
	}
	changed, err := change(ctx, req.Member, targets)
	if err != nil {
		return bot.Reply{}, err
	}
	var t bot.Text
	for i, target := range targets {
		if changed[i] {
			t = t.Line("%s %s.", bot.Untrusted(displayName(target)), done)
		} else {
			t = t.Line("%s %s.", bot.Untrusted(displayName(target)), unchanged)
		}
	}
	return bot.Reply{Text: t}, nil
}

// displayName is how copbot names a member in replies.
func displayName(m knowledge.Member) string {
	if strings.TrimSpace(m.DisplayName) != "" {
		return m.DisplayName
	}
	return rawID(m.PlatformUserID)
}
