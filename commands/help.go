package commands

import (
	"context"

	"github.com/copbot/copbot/bot"
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
	return bot.Reply{Text: helpText(cmd)}, nil
}

func helpText(cmd family) bot.Text {
	t := bot.Textf("*/cop %s* — %s", cmd.Name, cmd.Summary)
	if cmd.Notes != "" {
		t = t.Line("%s", cmd.Notes)
	}
	t = t.Line("Usage:")
	for _, u := range cmd.Usage {
		t = t.Line("  `/cop %s`", u)
	}
	if len(cmd.Examples) > 0 {
		t = t.Line("Examples:")
		for _, e := range cmd.Examples {
			t = t.Line("  `/cop %s`", e)
		}
	}
	return t
}
