package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) partnerCommand() family {
	return family{
		Name:    "partner",
		Summary: "partner communities, which search and share each other's tips (facilitators)",
		Usage: []string{
			"partner [list]",
			"partner add <community>",
			"partner remove <community>",
		},
		Examples: []string{"partner", "partner add frontend", "partner add slack:T0123/security", "partner remove frontend"},
		Notes: "Two communities become partners when a facilitator of each adds the other. Partners search each other's " +
			"repositories with `/cop search <words> in:partners` and offer each other tips with `/cop share <tip> <community>`; " +
			"a partner sees only what any member sees, never tips from private or excluded channels. `remove`, on either " +
			"side, ends the partnership for both at once. Name a community of this workspace by its name (`default` for the " +
			"default one), and one elsewhere in full: `slack:T0123/frontend`, `discord:<server id>`, `console`.",
		Handler: subcommands{
			"":       forFacilitators(c.partnerList),
			"list":   forFacilitators(c.partnerList),
			"add":    forFacilitators(c.partnerAdd),
			"remove": forFacilitators(c.partnerRemove),
		},
	}
}

// partnerList shows the partners, the offers of partnership made and those
// received, each with the command that moves it on.
func (c *Core) partnerList(ctx context.Context, req *request) (bot.Reply, error) {
	if req.Args.Len() > 0 {
		return bot.Reply{}, usagef("partner", "`/cop partner` takes nothing more; see the subcommands below.")
	}
	all, err := c.store.Partners(ctx, req.Member)
	if err != nil {
		return bot.Reply{}, err
	}
	here := req.Community
	if len(all) == 0 {
		return bot.Reply{Text: bot.Textf("%s has no partner communities yet. `/cop partner add <community>` offers a partnership; "+
			"it begins when a facilitator of the other community adds this one back.", bot.Untrusted(here.Label()))}, nil
	}
	var t bot.Text
	for _, group := range []struct{ state, head string }{
		{knowledge.PartnerMutual, "Partners of %s:"},
		{knowledge.PartnerOffered, "Offers %s made, waiting for the other side:"},
		{knowledge.PartnerAsked, "Offers %s received:"},
	} {
		headed := false
		for _, p := range all {
			if p.State != group.state {
				continue
			}
			if !headed {
				t, headed = t.Line(group.head, bot.Untrusted(here.Label())), true
			}
			name := p.NameFrom(here)
			switch p.State {
			case knowledge.PartnerMutual:
				t = t.Line("• *%s*: `/cop share <tip> %s` offers it a tip", bot.Untrusted(name), bot.Untrusted(name))
			case knowledge.PartnerOffered:
				t = t.Line("• *%s*: it begins when a facilitator there runs %s", bot.Untrusted(name), addBack(here, p.Community))
			default:
				t = t.Line("• *%s*: `/cop partner add %s` accepts, `/cop partner remove %s` declines", bot.Untrusted(name),
					bot.Untrusted(name), bot.Untrusted(name))
			}
		}
	}
	t = t.Line("Partners search each other with `/cop search <words> in:partners`.")
	return bot.Reply{Text: t}, nil
}

// addBack is the command a facilitator of other runs, anywhere in its
// workspace, to add here back.
func addBack(here, other knowledge.Community) bot.Text {
	return bot.Textf("`%s`", bot.Untrusted(fmt.Sprintf("/cop in %s partner add %s", other.Label(), here.NameFrom(other))))
}

func (c *Core) partnerAdd(ctx context.Context, req *request) (bot.Reply, error) {
	other, err := c.partnerArg(ctx, req, "add")
	if err != nil {
		return bot.Reply{}, err
	}
	change, err := c.store.AddPartner(ctx, req.Member, other)
	if err != nil {
		return bot.Reply{}, partnerError(err, other, req.Community)
	}
	here, name := req.Community, bot.Untrusted(other.NameFrom(req.Community))
	switch change {
	case knowledge.PartnershipBegun:
		return bot.Reply{Text: bot.Textf("%s and %s are partners now: `/cop search <words> in:partners` searches both repositories, "+
			"and `/cop share <tip> %s` offers them a tip.", bot.Untrusted(here.Label()), name, name), Visibility: bot.InChannel}, nil
	case knowledge.PartnersAlready:
		return bot.Reply{Text: bot.Textf("%s and %s are partners already.", bot.Untrusted(here.Label()), name)}, nil
	case knowledge.PartnerOfferedAlready:
		return bot.Reply{Text: bot.Textf("%s offered %s a partnership already; it begins when a facilitator of %s runs %s.",
			bot.Untrusted(here.Label()), name, name, addBack(here, other))}, nil
	}
	return bot.Reply{Text: bot.Textf("Offered %s a partnership. It begins when a facilitator of %s adds %s back: %s",
		name, name, bot.Untrusted(here.Label()), addBack(here, other))}, nil
}

func (c *Core) partnerRemove(ctx context.Context, req *request) (bot.Reply, error) {
	other, err := c.partnerArg(ctx, req, "remove")
	if errors.Is(err, knowledge.ErrArchived) {
		err = nil // an archived partner may still be let go of
	}
	if err != nil {
		return bot.Reply{}, err
	}
	change, err := c.store.RemovePartner(ctx, req.Member, other)
	if err != nil {
		return bot.Reply{}, partnerError(err, other, req.Community)
	}
	here, name := bot.Untrusted(req.Community.Label()), bot.Untrusted(other.NameFrom(req.Community))
	switch change {
	case knowledge.PartnershipEnded:
		return bot.Reply{Text: bot.Textf("%s and %s are no longer partners: neither searches the other's repository now, "+
			"and tips offered between them can no longer be accepted.", here, name), Visibility: bot.InChannel}, nil
	case knowledge.PartnerOfferWithdrawn:
		return bot.Reply{Text: bot.Textf("Withdrew the offer of a partnership to %s.", name)}, nil
	case knowledge.PartnerOfferRefused:
		return bot.Reply{Text: bot.Textf("Declined %s's offer of a partnership.", name)}, nil
	}
	return bot.Reply{Text: bot.Textf("%s is not a partner of %s, and neither offered the other a partnership, so there is "+
		"nothing to remove. `/cop partner` lists the partners.", name, here)}, nil
}

// partnerArg reads the one community a partner subcommand names. An
// archived one is returned with knowledge.ErrArchived.
func (c *Core) partnerArg(ctx context.Context, req *request, sub string) (knowledge.Community, error) {
	t, ok := req.Args.Shift()
	if !ok || req.Args.Len() > 0 || t.Kind != wordToken && t.Kind != quotedToken {
		return knowledge.Community{}, usagef("partner", fmt.Sprintf("Name one community: `/cop partner %s frontend`, "+
			"or one of another workspace in full, `/cop partner %s slack:T0123/frontend`.", sub, sub))
	}
	other, err := c.communityArg(ctx, req, t.Text)
	if errors.Is(err, knowledge.ErrArchived) && sub == "add" {
		return other, partnerError(err, other, req.Community)
	}
	return other, err
}

// communityArg finds the community a command names: by name in the
// request's workspace (default for its default community), or in full
// (slack:T0123/frontend, discord:81384788765712384, console) anywhere on
// this database. A community linked into another is that other one, which
// holds its repository. An archived one is returned with
// knowledge.ErrArchived.
func (c *Core) communityArg(ctx context.Context, req *request, word string) (knowledge.Community, error) {
	found, err := c.findCommunity(ctx, req, word)
	if err != nil {
		return found, err
	}
	routed, err := c.store.Routed(ctx, found)
	if err != nil {
		return found, err
	}
	routed.Side = nil
	return routed, nil
}

func (c *Core) findCommunity(ctx context.Context, req *request, word string) (knowledge.Community, error) {
	here := req.Community
	if !strings.ContainsAny(word, ":/") {
		found, err := c.store.CommunityAnywhere(ctx, here.Platform, here.ExternalID, word)
		if !errors.Is(err, knowledge.ErrNotFound) || !strings.EqualFold(word, string(bot.Console)) {
			if errors.Is(err, knowledge.ErrNotFound) {
				return found, &knowledge.InvalidError{Msg: fmt.Sprintf("There is no community called %s here (`/cop community` lists "+
					"them). Name a community of another workspace in full, like `slack:T0123/frontend`.", word)}
			}
			return found, err
		}
		word = string(bot.Console)
	}
	ref, name, err := bot.ParseCommunity(word)
	if err != nil {
		return knowledge.Community{}, &knowledge.InvalidError{Msg: fmt.Sprintf("“%s” is not a community's name. Name one of this "+
			"workspace by its name, and one elsewhere in full: `slack:T0123/frontend`, `discord:<server id>/<name>`, `console`.", word)}
	}
	found, err := c.store.CommunityAnywhere(ctx, string(ref.Platform), ref.ExternalID, name)
	if errors.Is(err, knowledge.ErrNotFound) {
		return found, &knowledge.InvalidError{Msg: fmt.Sprintf("I know no community %s: copbot has not met it on this database. "+
			"Check the workspace id and the name (`/cop community` there lists them).", word)}
	}
	return found, err
}

// partnerError words the store's refusals about a partner community.
func partnerError(err error, other, here knowledge.Community) error {
	name := other.NameFrom(here)
	switch {
	case errors.Is(err, knowledge.ErrArchived):
		return &knowledge.InvalidError{Msg: fmt.Sprintf("%s is archived, so it cannot be a partner.", name)}
	case errors.Is(err, knowledge.ErrNotPartner):
		return &knowledge.InvalidError{Msg: fmt.Sprintf("%s is not a partner of %s. Facilitators of both make them partners: "+
			"`/cop partner add %s` here, and the same the other way there.", name, here.Label(), name)}
	}
	return err
}
