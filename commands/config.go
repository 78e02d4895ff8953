package commands

import (
	"context"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) configCommand() Command {
	cmd := Command{
		Name:    "config",
		Summary: "see and change this community's settings (facilitators)",
		Usage:   []string{"config", "config <key>", "config <key> <value>"},
		Notes:   "Settings:",
		Handler: HandlerFunc(c.config),
	}
	for _, s := range knowledge.Settings() {
		cmd.Notes += "\n  `" + s.Key + "` — " + s.Help + " (default `" + s.Default + "`)"
		cmd.Examples = append(cmd.Examples, "config "+s.Key+" "+s.Example)
	}
	return cmd
}

func (c *Core) config(ctx context.Context, req *Request) (bot.Reply, error) {
	cfg, err := c.store.Config(ctx, req.Community.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	key, ok := req.Args.ShiftWord()
	if !ok {
		t := bot.Plain("Settings of this community:")
		for _, s := range knowledge.Settings() {
			t = t.Line("• `%s` = %s — %s", s.Key, bot.Untrusted(cfg[s.Key]), s.Help)
		}
		return bot.Reply{Text: t.Line("Facilitators change them with `/cop config <key> <value>`.")}, nil
	}
	setting, ok := knowledge.LookupSetting(key)
	if !ok {
		names := make([]string, 0)
		for _, s := range knowledge.Settings() {
			names = append(names, s.Key)
		}
		return bot.Reply{}, usagef("config", unknownMsg("/cop config ", key, suggest(key, names), "/cop help config"))
	}
	if req.Args.Len() == 0 {
		return bot.Reply{Text: bot.Textf("`%s` = %s — %s", key, bot.Untrusted(cfg[key]), setting.Help)}, nil
	}
	value, err := c.store.SetConfig(ctx, req.Member, key, req.Args.Rest())
	if err != nil {
		return bot.Reply{}, err
	}
	c.configs.Delete(req.Community.ID)
	return bot.Reply{Text: bot.Textf("`%s` is now %s.", key, bot.Untrusted(value)), Visibility: bot.InChannel}, nil
}
