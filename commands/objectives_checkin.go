package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) checkinCommand() family {
	return family{
		Name:    "checkin",
		Summary: "post progress on an objective",
		Usage:   []string{"checkin <objective> <value|+delta> [note]"},
		Examples: []string{
			"checkin 1 +1 ran the peer-observation workshop",
			"checkin 1 4",
			"checkin 1 -1 counted one twice",
		},
		Notes: "A plain number sets the objective's value; `+2` or `-1` changes it. Every check-in is kept with who, " +
			"when and the note: to correct one, check in again. The owner and facilitators check in " +
			"(`/cop config checkin-by anyone` lets everyone).",
		EndsInText: true,
		Handler:    handlerFunc(c.checkin),
	}
}

func (c *Core) checkin(ctx context.Context, req *request) (bot.Reply, error) {
	number, err := objectiveNumber(req)
	if err != nil {
		return bot.Reply{}, err
	}
	t, ok := req.Args.Shift()
	if !ok {
		return bot.Reply{}, usagef("checkin", fmt.Sprintf("How far along is it? Give a value or a change, like `/cop checkin %d +1` or `/cop checkin %d 4`.", number, number))
	}
	if t.Kind != wordToken {
		return bot.Reply{}, usageTextf("checkin", "“%s” is not a number. Check in a value like `/cop checkin %d 4` or a change like `/cop checkin %d +1`, then your note.",
			bot.Untrusted(t.Text), number, number)
	}
	amount, err := knowledge.ParseAmount(t.Text)
	if err != nil {
		return bot.Reply{}, usageTextf("checkin", "%s Check in a value like `/cop checkin %d 4` or a change like `/cop checkin %d +1`, then your note.",
			bot.Untrusted(err.Error()), number, number)
	}
	note := afterFields(req.Event.Text, 3)
	p, err := c.store.CheckIn(ctx, req.Member, number, knowledge.NewCheckin{Amount: amount, Note: note})
	if errors.Is(err, knowledge.ErrNotOwner) {
		o, oerr := c.store.Objective(ctx, req.Community.ID, number)
		if oerr != nil {
			return bot.Reply{}, oerr
		}
		// An error, not a reply: nothing changed, and a repeat must run again.
		return bot.Reply{}, &UsageError{Text: bot.Textf("Only %s (the owner of objective %d) and facilitators can check in on it.",
			bot.Untrusted(o.OwnerName), number)}
	}
	if err != nil {
		return bot.Reply{}, objectiveNotFound(err, number)
	}
	o := p.Objective
	reply := bot.Textf("%s checked in on %s: ", bot.Untrusted(displayName(req.Member)), objectiveName(o)).Append(progressLine(p))
	if p.Status == knowledge.StatusAchieved {
		reply = reply.Append(bot.Plain(" 🎉"))
	}
	return bot.Reply{Text: reply.Append(outlookLines(p)), Visibility: bot.InChannel}, nil
}

// afterFields is s as typed after its first n whitespace-separated fields:
// the note of a check-in keeps its spacing and quotes.
func afterFields(s string, n int) string {
	s = strings.TrimSpace(s)
	for range n {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = strings.TrimLeftFunc(s[i:], unicode.IsSpace)
	}
	return s
}
