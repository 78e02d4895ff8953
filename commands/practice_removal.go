package commands

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// Removing a tip is never final: its author, whoever saved it with /cop
// save and facilitators take it out; facilitators and the author bring it
// back. The author hears privately who removed it.

func (c *Core) removeCommand() family {
	return family{
		Name: "remove", Summary: "take a tip out of the repository (its author, who saved it with /cop save, facilitators)",
		Usage: []string{"remove <tip>"}, Examples: []string{"remove 12"},
		Notes:   "Voters take back their own vote by removing their reaction. A removed tip can come back with `/cop restore <tip>`.",
		Handler: handlerFunc(c.remove),
	}
}

func (c *Core) remove(ctx context.Context, req *request) (bot.Reply, error) {
	number, err := tipNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	r, err := c.store.RemoveTip(ctx, req.Member, number)
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Textf("Only tip %d's author, whoever saved it with `/cop save`, and facilitators can remove it. "+
			"If you voted for it, take your vote back by removing your reaction; if it should go, ask a facilitator (`/cop facilitator list`).",
			number)}, nil
	}
	if err != nil {
		return bot.Reply{}, tipNotFound(err, number)
	}
	if r.TellAuthor != "" {
		c.notify(ctx, bot.Notice{Community: req.Event.Community, UserID: r.TellAuthor, Reply: bot.Reply{Text: bot.Textf(
			"%s took your tip %d out of the repository. You or a facilitator can bring it back with `/cop restore %d`. "+
				"`/cop notes off` stops these notes.", bot.MentionOf(req.Member.PlatformUserID), number, number)}})
	}
	return bot.Reply{Text: bot.Textf("Tip %d is out of the repository. `/cop restore %d` brings it back.", number, number)}, nil
}

func (c *Core) restoreCommand() family {
	return family{
		Name: "restore", Summary: "bring back a removed tip (its author, facilitators)",
		Usage: []string{"restore <tip>"}, Examples: []string{"restore 12"},
		Notes:   "Facilitators see removed tips with `/cop tips removed`.",
		Handler: handlerFunc(c.restore),
	}
}

func (c *Core) restore(ctx context.Context, req *request) (bot.Reply, error) {
	number, err := tipNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	tip, err := c.store.RestoreTip(ctx, req.Member, number)
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Textf("Only tip %d's author and facilitators can bring it back.", number)}, nil
	}
	if err != nil {
		return bot.Reply{}, tipNotFound(err, number)
	}
	if tip.RemovedAt != nil {
		return bot.Reply{Text: bot.Textf("Tip %d is no longer removed, but nobody votes for it now: the next save reaction brings it back.", number)}, nil
	}
	return bot.Reply{Text: bot.Textf("Tip %d is back in the repository.", number)}, nil
}

// removedTips lists the tips people removed, for facilitators.
func (c *Core) removedTips(ctx context.Context, req *request, tags []string, page int) (bot.Reply, error) {
	if len(tags) > 0 || req.Args.Len() > 0 {
		return bot.Reply{}, usagef("tips", "`/cop tips removed` takes only `page:N`.")
	}
	tips, more, err := c.store.RemovedTips(ctx, req.Member, (page-1)*pageSize, pageSize)
	if errors.Is(err, knowledge.ErrForbidden) {
		return bot.Reply{Text: bot.Plain("Only facilitators see the removed tips.")}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	if len(tips) == 0 && page > 1 {
		return bot.Reply{Text: bot.Textf("There is no page %d: the removed tips end before it.", page)}, nil
	}
	if len(tips) == 0 {
		return bot.Reply{Text: bot.Plain("Nobody has removed a tip.")}, nil
	}
	t := bot.Plain("Removed tips, last removed first (`/cop restore <tip>` brings one back):")
	for _, r := range tips {
		t = t.Append(bot.Plain("\n"), tipLine(r.Tip), bot.Textf(" · removed by %s %s", bot.Untrusted(r.RemovedBy),
			daysAgo(c.store.Now().Sub(*r.RemovedAt))))
	}
	reply := bot.Reply{Text: t}
	if more {
		next := "tips removed page:" + strconv.Itoa(page+1)
		reply.Text = reply.Text.Line("More: `/cop %s`", next)
		reply.Buttons = []bot.Button{{Label: "More results", Command: next}}
	}
	return reply, nil
}

func (c *Core) notesCommand() family {
	return family{
		Name: "notes", Summary: "turn copbot's private notes about your tips on or off",
		Usage: []string{"notes on|off"}, Examples: []string{"notes off"},
		Notes: "copbot tells you privately when your message is saved as a tip and when someone removes your tip.",
		Handler: handlerFunc(func(ctx context.Context, req *request) (bot.Reply, error) {
			w, _ := req.Args.ShiftWord()
			on := strings.ToLower(w) == "on"
			if !on && strings.ToLower(w) != "off" || req.Args.Len() > 0 {
				return bot.Reply{}, usagef("notes", "Say `on` or `off`.")
			}
			if err := c.store.SetNotes(ctx, req.Member, on); err != nil {
				return bot.Reply{}, err
			}
			if on {
				return bot.Reply{Text: bot.Plain("I'll tell you when your messages are saved as tips or your tips are removed.")}, nil
			}
			return bot.Reply{Text: bot.Plain("No more notes about your tips. `/cop notes on` brings them back.")}, nil
		}),
	}
}
