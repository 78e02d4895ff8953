package commands

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) configCommand() family {
	cmd := family{
		Name:    "config",
		Summary: "see and change this community's settings (facilitators)",
		Usage: []string{"config", "config <key>", "config <key> <value>",
			"config exclude #channel", "config include #channel", "config allow #private-channel"},
		Notes:   "Settings:",
		Handler: handlerFunc(c.config),
	}
	for _, s := range knowledge.Settings() {
		cmd.Notes += "\n  `" + s.Key + "` — " + s.Help + " (default `" + s.Default + "`)"
		cmd.Examples = append(cmd.Examples, "config "+s.Key+" "+s.Example)
	}
	cmd.Notes += "\nReactions in excluded channels save nothing; private channels and DMs save nothing " +
		"unless allowed. `include` undoes either."
	cmd.Examples = append(cmd.Examples, "config exclude #random")
	return cmd
}

func (c *Core) config(ctx context.Context, req *request) (bot.Reply, error) {
	key, ok := req.Args.ShiftWord()
	if policy, isPolicy := channelPolicies[key]; ok && isPolicy {
		return c.channelPolicy(ctx, req, key, policy)
	}
	cfg, err := c.store.Config(ctx, req.Community.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	if !ok {
		t := bot.Plain("Settings of this community:")
		for _, s := range knowledge.Settings() {
			t = t.Line("• `%s` = %s — %s", s.Key, bot.Untrusted(cfg[s.Key]), s.Help)
		}
		policies, err := c.store.ChannelPolicies(ctx, req.Community.ID)
		if err != nil {
			return bot.Reply{}, err
		}
		if lines := channelPolicyLines(policies); len(lines) > 0 {
			t = t.Append(bot.Plain("\n"), lines)
		}
		return bot.Reply{Text: t.Line("Facilitators change them with `/cop config <key> <value>`.")}, nil
	}
	setting, ok := knowledge.LookupSetting(key)
	if !ok {
		names := make([]string, 0)
		for _, s := range knowledge.Settings() {
			names = append(names, s.Key)
		}
		return bot.Reply{}, unknown("config", "/cop config ", key, suggest(key, names), "/cop help config")
	}
	if req.Args.Len() == 0 {
		return bot.Reply{Text: bot.Textf("`%s` = %s — %s", key, bot.Untrusted(cfg[key]), setting.Help)}, nil
	}
	var typed, shown string
	// A channel is named as people name it anywhere: picked (#), typed with
	// a #, or its bare name.
	if t, ok := req.Args.Peek(); ok && key == "digest-channel" && req.Args.Len() == 1 &&
		(t.Kind == channelToken || t.Kind == tagToken || t.Kind == wordToken && !strings.EqualFold(t.Text, "off") && !strings.EqualFold(t.Text, "none")) {
		ch, err := c.channel(ctx, req, t)
		if err != nil {
			return bot.Reply{}, err
		}
		typed, shown = "<#"+ch.ID+"|"+ch.Name+">", "#"+ch.Name
	} else {
		typed = req.Args.Rest()
	}
	value, err := c.store.SetConfig(ctx, req.Member, key, typed)
	if err != nil {
		return bot.Reply{}, err
	}
	if shown != "" {
		value = shown
	}
	c.configs.Delete(req.Community.ID)
	// A value that ends a sentence itself (a welcome text) gets no second period.
	end := "."
	if strings.HasSuffix(value, ".") || strings.HasSuffix(value, "!") || strings.HasSuffix(value, "?") {
		end = ""
	}
	return bot.Reply{Text: bot.Textf("`%s` is now %s%s", key, bot.Untrusted(value), end), Visibility: bot.InChannel}, nil
}

// channelPolicies maps the config words for channels to stored policies.
var channelPolicies = map[string]string{"exclude": "exclude", "allow": "allow", "include": ""}

func (c *Core) channelPolicy(ctx context.Context, req *request, word, policy string) (bot.Reply, error) {
	t, ok := req.Args.Shift()
	if !ok || t.Kind != channelToken && t.Kind != tagToken && t.Kind != wordToken || req.Args.Len() > 0 {
		return bot.Reply{}, usagef("config", "Name one channel, like `/cop config "+word+" #random`.")
	}
	ch, err := c.channel(ctx, req, t)
	if err != nil {
		return bot.Reply{}, err
	}
	channelID, name := ch.ID, cmp.Or(ch.Name, rawID(ch.ID))
	changed, err := c.store.SetChannelPolicy(ctx, req.Member, channelID, ch.Name, policy)
	if err != nil {
		return bot.Reply{}, err
	}
	if !changed {
		msg := map[string]string{
			"exclude": "#%s is excluded already: reactions there save no tips.",
			"allow":   "#%s is allowed already: reactions there save tips.",
			"":        "#%s had no setting of its own: public channels save tips, private ones do not.",
		}[policy]
		return bot.Reply{Text: bot.Textf(msg, bot.Untrusted(name))}, nil
	}
	msg := map[string]string{
		"exclude": "Reactions in #%s no longer save tips.",
		"allow":   "Reactions in #%s now save tips, even if it is private.",
		"":        "#%s is back to the default: public channels save tips, private ones do not.",
	}[policy]
	return bot.Reply{Text: bot.Textf(msg, bot.Untrusted(name)), Visibility: bot.InChannel}, nil
}

// channel is the channel a #name or a platform's channel reference names.
// A reference carries the channel's id; a typed name is looked up through
// the adapter (bot.ChannelFinder), and refused where it cannot be, so that
// copbot never reports a setting for a channel that is only a name.
func (c *Core) channel(ctx context.Context, req *request, t token) (bot.Channel, error) {
	if t.Kind == channelToken {
		return bot.Channel{ID: t.ID, Name: t.Name}, nil
	}
	finder, ok := c.adapters[req.Event.Community.Platform].(bot.ChannelFinder)
	if !ok {
		return bot.Channel{}, &knowledge.InvalidError{Msg: fmt.Sprintf("Pick #%s from the list that opens as you type #, "+
			"so that I get the channel itself; a name typed out reaches me as plain text.", t.Text)}
	}
	name := t.Text
	if t.Kind == tagToken {
		name = t.Raw // a channel's name as typed, not cut or changed as a tag is
	}
	ch, found, err := finder.FindChannel(ctx, req.Event.Community, name)
	if err != nil {
		return bot.Channel{}, err
	}
	if !found {
		return bot.Channel{}, &knowledge.InvalidError{Msg: fmt.Sprintf("I can't see a channel called #%s here.", name)}
	}
	ch.ID = seenBy(&bot.Event{Community: req.Event.Community, Channel: ch}, req.Community).Channel.ID
	return ch, nil
}

// rawID is an id as its platform gave it, for people to read: a channel
// without a known name is shown by it, and a qualified id (a linked
// side's) is copbot's own.
func rawID(id string) string {
	_, raw := bot.Unqualify(bot.CommunityRef{}, id)
	return raw
}

// channelPolicyLines lists the excluded and allowed channels for /cop config.
func channelPolicyLines(policies []knowledge.ChannelPolicy) bot.Text {
	var t bot.Text
	for _, want := range []struct{ policy, head string }{
		{"exclude", "Excluded channels (reactions there save nothing):"},
		{"allow", "Allowed channels (reactions there save tips even if private):"},
	} {
		var names []string
		for _, p := range policies {
			if p.Policy == want.policy {
				names = append(names, "#"+cmp.Or(p.Name, rawID(p.ChannelID)))
			}
		}
		if len(names) > 0 {
			t = t.Line("%s %s", want.head, bot.Untrusted(strings.Join(names, ", ")))
		}
	}
	return t
}
