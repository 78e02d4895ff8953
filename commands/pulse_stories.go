package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// storiesShown is how many stories /cop stories lists.
const storiesShown = 20

func (c *Core) storyCommand() family {
	return family{
		Name:     "story",
		Summary:  "tell in one line how the community changed how you work",
		Usage:    []string{"story <one line>", "story skip"},
		Examples: []string{"story Pairing with Ada made me write the test first", "story skip"},
		Notes: "After a mentoring pairing ends, or when you save a tip you found with `/cop search`, copbot may ask you " +
			"once: \"Did this change how you work?\" Answering is optional; `/cop story <line>` answers, `/cop story skip` " +
			"declines, and you can tell a story unasked too. Facilitators read them with `/cop stories`.",
		FreeText: true,
		Handler:  handlerFunc(c.story),
	}
}

func (c *Core) story(ctx context.Context, req *request) (bot.Reply, error) {
	text := restAfterFirstWord(req.Event.Text)
	if strings.EqualFold(text, "skip") {
		skipped, err := c.store.SkipStory(ctx, req.Member)
		if err != nil {
			return bot.Reply{}, err
		}
		if !skipped {
			return bot.Reply{Text: bot.Plain("No question is waiting for you; nothing to skip.")}, nil
		}
		return bot.Reply{Text: bot.Plain("No problem. I won't ask about that again.")}, nil
	}
	if text == "" {
		return bot.Reply{}, usagef("story", "Tell it in one line, like `/cop story Pairing on tests made me write them first`.")
	}
	s, err := c.store.TellStory(ctx, req.Member, text)
	if err != nil {
		return bot.Reply{}, err
	}
	t := bot.Plain("Thank you! Your story is kept")
	if s.Subject != "" {
		t = t.Append(bot.Textf(" with %s %d", s.Subject, s.Number))
	}
	return bot.Reply{Text: t.Append(bot.Plain("; facilitators see it with the community's numbers."))}, nil
}

func (c *Core) storiesCommand() family {
	return family{
		Name: "stories", Summary: "the stories members told (facilitators)",
		Usage: []string{"stories"}, Examples: []string{"stories"},
		Handler: handlerFunc(c.stories),
	}
}

func (c *Core) stories(ctx context.Context, req *request) (bot.Reply, error) {
	if req.Args.Len() > 0 {
		return bot.Reply{}, usagef("stories", "`/cop stories` takes nothing more; to tell one, use `/cop story <one line>`.")
	}
	list, err := c.store.Stories(ctx, req.Member, storiesShown)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(list) == 0 {
		return bot.Reply{Text: bot.Plain("No stories yet. Members tell them with `/cop story <one line>`; " +
			"copbot asks after a pairing ends or a tip found by search is saved.")}, nil
	}
	t := bot.Plain("*Stories*, newest first:")
	now := c.store.Now()
	for _, s := range list {
		t = t.Line("• “%s” — %s, %s", bot.Untrusted(s.Text), bot.Untrusted(s.Member.Name()), daysAgo(now.Sub(s.CreatedAt)))
		if s.Subject != "" {
			t = t.Append(bot.Textf(" (%s %d)", s.Subject, s.Number))
		}
	}
	return bot.Reply{Text: t}, nil
}

// planStoriesArgs is the periodic job that decides whom to ask.
type planStoriesArgs struct{}

func (planStoriesArgs) Kind() string { return "plan_story_prompts" }

type planStoriesWorker struct {
	river.WorkerDefaults[planStoriesArgs]
	core *Core
}

func (w *planStoriesWorker) Work(ctx context.Context, _ *river.Job[planStoriesArgs]) error {
	n, err := w.core.store.PlanStoryPrompts(ctx)
	if n > 0 {
		w.core.log.InfoContext(ctx, "story questions queued", slog.Int("count", n))
	}
	return err
}

// storyPromptWorker asks one member the question, by direct message.
type storyPromptWorker struct {
	river.WorkerDefaults[knowledge.StoryPromptArgs]
	core *Core
}

func (w *storyPromptWorker) Work(ctx context.Context, job *river.Job[knowledge.StoryPromptArgs]) error {
	c, args := w.core, job.Args
	ref, err := c.jobCommunity(ctx, args.CommunityID)
	if err != nil {
		return err
	}
	p, claimed, err := c.store.ClaimStoryPrompt(ctx, args)
	if err != nil || !claimed {
		return heldSnooze(err)
	}
	var t bot.Text
	if p.Subject == knowledge.StoryAboutPairing {
		t = bot.Textf("Your mentoring with %s (pairing %d) has ended.", bot.Untrusted(p.Other), p.Number)
	} else {
		first := p.Other
		if utf8.RuneCountInString(first) > 80 {
			first = string([]rune(first)[:79]) + "…"
		}
		t = bot.Textf("You found tip %d (“%s”) with a search and saved it.", p.Number, bot.Untrusted(first))
	}
	t = t.Append(bot.Plain(" Did this change how you work? One line, if you like: `/cop story <your line>`. " +
		"It's optional, and I'll only ask now and then."))
	n := bot.Notice{Community: ref, UserID: p.Member.PlatformUserID, Reply: bot.Reply{Text: t,
		Buttons: []bot.Button{{Label: "No thanks", Command: "story skip"}}}}
	return c.deliverClaimed(ctx, n, claim{
		release:   func(ctx context.Context) error { return c.store.ReleaseStoryPrompt(ctx, args) },
		delivered: func(ctx context.Context) error { return c.store.StoryPromptDelivered(ctx, args) },
	})
}

// daysAgo says how long ago something was, in days.
func daysAgo(d time.Duration) string {
	switch n := int(d / knowledge.Day); {
	case n <= 0:
		return "today"
	case n == 1:
		return "yesterday"
	default:
		return fmt.Sprintf("%d days ago", n)
	}
}
