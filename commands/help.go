package commands

import (
	"context"
	"regexp"
	"strconv"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) helpCommand() family {
	return family{
		Name:     "help",
		Summary:  "what copbot can do, or how one command works",
		Usage:    []string{"help [command]"},
		Examples: []string{"help", "help config"},
		Handler:  handlerFunc(c.help),
	}
}

func (c *Core) help(_ context.Context, req *request) (bot.Reply, error) {
	topic, ok := req.Args.ShiftWord()
	if !ok {
		t := bot.Plain("*copbot* helps this community keep its practice, mentoring and goals in one place. Commands:")
		for _, name := range c.router.Names() {
			cmd, _ := c.router.Lookup(name)
			t = t.Line("• `/cop %s` — %s", cmd.Name, cmd.Summary)
		}
		t = t.Line("Type `/cop help <command>` for details and examples.")
		return bot.Reply{Text: t}, nil
	}
	cmd, ok := c.router.Lookup(topic)
	if !ok {
		return bot.Reply{}, unknown("", "/cop help ", topic, suggest(topic, c.router.Names()), "/cop help")
	}
	return bot.Reply{Text: c.helpText(cmd)}, nil
}

func (c *Core) helpText(cmd family) bot.Text {
	t := bot.Textf("*/cop %s* — %s", cmd.Name, cmd.Summary)
	if cmd.Notes != "" {
		t = t.Line("%s", c.dated(cmd.Notes))
	}
	t = t.Line("Usage:")
	for _, u := range cmd.Usage {
		t = t.Line("  `/cop %s`", c.dated(u))
	}
	if len(cmd.Examples) > 0 {
		t = t.Line("Examples:")
		for _, e := range cmd.Examples {
			t = t.Line("  `/cop %s`", c.dated(e))
		}
	}
	return t
}

// datedExample is a placeholder for a day in copbot's own words (help,
// usage): {+14d} is two weeks from today, {+6m} the last day of the month
// six months on. Written so, no example date is ever in the past.
var datedExample = regexp.MustCompile(`\{\+(\d+)([dm])\}`)

// dated replaces the placeholders of s with days counted from the store's
// clock.
func (c *Core) dated(s string) string {
	return datedExample.ReplaceAllStringFunc(s, func(m string) string {
		p := datedExample.FindStringSubmatch(m)
		n, _ := strconv.Atoi(p[1])
		now := c.store.Now().UTC()
		if p[2] == "d" {
			return now.AddDate(0, 0, n).Format(knowledge.DateLayout)
		}
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		return first.AddDate(0, n+1, -1).Format(knowledge.DateLayout)
	})
}
