package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) tagCommand() family {
	return family{
		Name: "tag", Summary: "add tags to a tip",
		Usage: []string{"tag <tip> #tag [#tag …]"}, Examples: []string{"tag 12 #testing #ci"},
		Handler: handlerFunc(func(ctx context.Context, req *request) (bot.Reply, error) {
			return c.retag(ctx, req, c.store.TagTip)
		}),
	}
}

func (c *Core) untagCommand() family {
	return family{
		Name: "untag", Summary: "remove tags from a tip",
		Usage: []string{"untag <tip> #tag [#tag …]"}, Examples: []string{"untag 12 #ci"},
		Handler: handlerFunc(func(ctx context.Context, req *request) (bot.Reply, error) {
			return c.retag(ctx, req, c.store.UntagTip)
		}),
	}
}

func (c *Core) retag(ctx context.Context, req *request,
	change func(context.Context, knowledge.Member, int, []string) (knowledge.Tip, error),
) (bot.Reply, error) {
	tags := req.Args.Tags()
	number, err := tipNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(tags) == 0 || req.Args.Len() > 0 {
		return bot.Reply{}, usagef(req.Path, fmt.Sprintf("Name the tags with #, like `/cop %s %d #testing`.", req.Path, number))
	}
	// Say what a tag typed with other characters is filed as (the parser
	// refused those with no letter or digit).
	var notes bot.Text
	for _, word := range strings.Fields(req.Event.Text) {
		typed, ok := strings.CutPrefix(word, "#")
		if n := knowledge.NormalizeTag(typed); ok && n != "" && n != strings.ToLower(typed) {
			notes = notes.Line("#%s is filed as #%s: tags keep letters, digits, - and _ (up to %d).", bot.Untrusted(typed),
				bot.Untrusted(n), knowledge.MaxTagLength)
		}
	}
	before, err := c.store.Tip(ctx, req.Community.ID, number)
	if err != nil {
		return bot.Reply{}, tipNotFound(err, number)
	}
	tip, err := change(ctx, req.Member, number, tags)
	if err != nil {
		return bot.Reply{}, tipNotFound(err, number)
	}
	var unchanged []string
	for _, n := range tags {
		if slices.Contains(before.Tags, n) == slices.Contains(tip.Tags, n) && !slices.Contains(unchanged, n) {
			unchanged = append(unchanged, n)
		}
	}
	t := bot.Textf("Tip %d is tagged %s.", number, bot.Untrusted(hashTags(tip.Tags)))
	if len(tip.Tags) == 0 {
		t = bot.Textf("Tip %d has no tags now.", number)
	}
	if len(unchanged) > 0 {
		what := "already had"
		if firstWord(req.Path) == "untag" {
			what = "did not have"
		}
		t = t.Line("It %s %s.", what, bot.Untrusted(hashTags(unchanged)))
	}
	if len(notes) > 0 {
		t = t.Append(bot.Plain("\n"), notes)
	}
	return bot.Reply{Text: t}, nil
}
