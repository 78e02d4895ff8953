package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// repeatable are the commands that would change something again if run
// twice (a check-in of +1 counts twice; a save saves twice): a member who
// saw no answer types the command again at once, so a member's repeatable
// command that is the same text as their last one, within
// knowledge.RepeatWindow, is answered, not run.
var repeatable = []string{"checkin", "save", "story", "objective add"}

// repeatKey is the text under which a command is remembered, and whether it
// is one of the repeatable commands.
func repeatKey(text string) (string, bool) {
	key := strings.Join(strings.Fields(text), " ")
	lower := strings.ToLower(key)
	for _, r := range repeatable {
		if lower == r || strings.HasPrefix(lower, r+" ") {
			return key, lower != "story skip"
		}
	}
	return "", false
}

// runOnce runs a repeatable command unless it repeats the member's last
// one of a moment ago; then it says so, with what it answered then.
func (c *Core) runOnce(ctx context.Context, req *request, key string, run func() (bot.Reply, error)) (bot.Reply, error) {
	rep, err := c.store.ClaimCommand(ctx, req.Member, key)
	if err != nil {
		return bot.Reply{}, err
	}
	if rep != nil {
		return repeated(key, rep), nil
	}
	reply, err := run()
	if finishErr := c.store.FinishCommand(context.WithoutCancel(ctx), req.Member, key, reply.Text, err != nil); finishErr != nil {
		c.log.WarnContext(ctx, "command not remembered; a repeat of it will run", slog.Any("error", finishErr))
	}
	return reply, err
}

// repeated answers a command sent again within the repeat window.
func repeated(key string, rep *knowledge.Repeat) bot.Reply {
	secs := max(int(rep.Ago/time.Second), 1)
	ago := fmt.Sprintf("%d %s", secs, plural(secs, "second", "seconds"))
	t := bot.Textf("You sent `/cop %s` %s ago, and I did it then, so I haven't done it again.", bot.Untrusted(key), ago)
	var first bot.Text
	if rep.Reply == nil || json.Unmarshal(rep.Reply, &first) != nil || len(first) == 0 {
		t = t.Append(bot.Plain(" It is still running; its answer follows."))
	} else {
		t = t.Append(bot.Plain(" What I answered:\n"), first)
	}
	wait := int(knowledge.RepeatWindow / time.Second)
	return bot.Reply{Text: t.Line("To do it twice on purpose, send it again after %d seconds.", wait)}
}
