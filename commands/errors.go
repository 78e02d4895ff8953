package commands

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// UsageError is a command typed wrongly. Msg speaks to the person, or Text
// when what they typed is quoted in it (as user text, so that it renders
// inert); Topic, when set, names the help topic whose usage lines are shown
// with it.
type UsageError struct {
	Msg   string
	Text  bot.Text
	Topic string
}

func (e *UsageError) Error() string {
	if len(e.Text) > 0 {
		return e.Text.String()
	}
	return e.Msg
}

func usagef(topic, msg string) error { return &UsageError{Topic: topic, Msg: msg} }

// usageTextf is usagef for a message that quotes what the person typed:
// pass it as bot.Untrusted.
func usageTextf(topic, format string, args ...any) error {
	return &UsageError{Topic: topic, Text: bot.Textf(format, args...)}
}

// errorReply turns a handler's error into what the person sees. Errors that
// are theirs get a specific answer; anything else is logged with context and
// answered with an apology that leaks nothing.
func (c *Core) errorReply(ctx context.Context, req *request, err error) bot.Reply {
	var (
		usage   *UsageError
		parse   *parseError
		invalid *knowledge.InvalidError
	)
	switch {
	case errors.As(err, &usage):
		t := usage.Text
		if len(t) == 0 {
			t = bot.Plain(c.dated(usage.Msg))
		}
		if cmd, ok := c.router.Lookup(usage.Topic); ok && len(cmd.Usage) > 0 {
			t = t.Line("Usage:")
			for _, u := range cmd.Usage {
				t = t.Line("  `/cop %s`", c.dated(u))
			}
		}
		return bot.Reply{Text: t}
	case errors.As(err, &parse):
		return bot.Reply{Text: bot.Plain(parse.Msg)}
	case errors.As(err, &invalid):
		// InvalidError text may quote what the person typed; treat it as theirs.
		return bot.Reply{Text: bot.Textf("%s", bot.Untrusted(invalid.Msg))}
	case errors.Is(err, knowledge.ErrGuest):
		return bot.Reply{Text: bot.Plain("Guests of this workspace don't see the community's repository here. " +
			"Facilitators can let guests see tips from the channels they are in: `/cop config guests own-channels`.")}
	case errors.Is(err, knowledge.ErrForbidden):
		return bot.Reply{Text: bot.Textf("Only facilitators can use `/cop %s`. `/cop facilitator list` shows who they are.", req.Path)}
	case errors.Is(err, knowledge.ErrNotFound):
		return bot.Reply{Text: bot.Textf("I couldn't find that. `/cop help %s` shows how to use it.", firstWord(req.Path))}
	case ctx.Err() != nil:
		c.log.WarnContext(ctx, "command interrupted", commandAttrs(req, err)...)
		return bot.Reply{Text: bot.Plain("That took too long and was stopped; please try again.")}
	}
	c.log.ErrorContext(ctx, "command failed", commandAttrs(req, err)...)
	return bot.Reply{Text: bot.Plain("Sorry, something went wrong on my side while running that command. " +
		"It has been logged; please try again in a moment.")}
}

func commandAttrs(req *request, err error) []any {
	return []any{
		slog.String("community", req.Event.Community.String()),
		slog.String("user", req.Event.User.ID),
		slog.String("command", req.Path),
		slog.String("event_id", req.Event.ID),
		slog.Any("error", err),
	}
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}
