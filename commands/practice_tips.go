package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// pageSize is how many tips a search or browse shows at once.
const pageSize = 10

func (c *Core) saveCommand() family {
	return family{
		Name: "save", Summary: "save a tip directly",
		Usage:    []string{"save <text> [#tag …]"},
		Examples: []string{"save Quarantine flaky tests behind a tag and fix one a day #testing"},
		Notes: "The easier way: react to any useful message with the save emoji (`/cop config save-emoji` shows it). " +
			"#hashtags in the text become the tip's tags.",
		FreeText: true,
		Handler:  handlerFunc(c.save),
	}
}

func (c *Core) save(ctx context.Context, req *request) (bot.Reply, error) {
	text := restAfterFirstWord(req.Event.Text)
	tip, err := c.store.SaveTip(ctx, req.Member, knowledge.NewTip{
		Text: text, ChannelID: req.Event.Channel.ID, ChannelName: req.Event.Channel.Name, Private: req.Event.Channel.Private,
	})
	if err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Text: savedText(tip)}, nil
}

// savedText confirms a new tip, saved by /cop save or by a reaction, in
// the same words.
func savedText(tip knowledge.Tip) bot.Text {
	if len(tip.Tags) == 0 {
		return bot.Textf("Saved as tip %d; add tags with `/cop tag %d #tag`.", tip.Number, tip.Number)
	}
	return bot.Textf("Saved as tip %d, tagged %s; add more with `/cop tag %d #tag`.", tip.Number,
		bot.Untrusted(hashTags(tip.Tags)), tip.Number)
}

func (c *Core) tipsCommand() family {
	return family{
		Name: "tips", Summary: "browse the practice repository",
		Usage:    []string{"tips [top|recent|mine] [#tag] [page:N]", "tips removed [page:N]"},
		Examples: []string{"tips", "tips recent", "tips #testing", "tips mine", "tips removed"},
		Notes: "`tips mine` lists the tips you wrote, newest first. " +
			"`tips removed` lists the tips people took out of the repository, with who did, for facilitators to review and `/cop restore`.",
		Handler: handlerFunc(c.tips),
	}
}

func (c *Core) tips(ctx context.Context, req *request) (bot.Reply, error) {
	tags := req.Args.Tags()
	if len(tags) > 1 {
		return bot.Reply{}, usagef("tips", "Browse one tag at a time; `/cop search` combines several.")
	}
	page, err := pageOption(req.Args)
	if err != nil {
		return bot.Reply{}, err
	}
	order := knowledge.BrowseTop
	if w, ok := req.Args.ShiftWord(); ok {
		switch w = strings.ToLower(w); w {
		case knowledge.BrowseTop, knowledge.BrowseRecent, knowledge.BrowseMine:
			order = w
		case "removed":
			return c.removedTips(ctx, req, tags, page)
		default:
			return bot.Reply{}, usageTextf("tips", "“%s” is not an order; use `top`, `recent`, `mine` or (facilitators) `removed`.", bot.Untrusted(w))
		}
	}
	if req.Args.Len() > 0 {
		return bot.Reply{}, usagef("tips", "To find tips by words, use `/cop search`.")
	}
	tag := ""
	if len(tags) == 1 {
		tag = tags[0]
	}
	reader, err := c.reader(ctx, req)
	if err != nil {
		return bot.Reply{}, err
	}
	tips, more, err := c.store.Tips(ctx, reader, order, tag, (page-1)*pageSize, pageSize)
	if err != nil {
		return bot.Reply{}, err
	}
	what := "The repository"
	if tag != "" {
		what = "#" + tag
	}
	if order == knowledge.BrowseMine {
		what = "Your tips"
		if tag != "" {
			what += " tagged #" + tag
		}
	}
	cmd := "tips " + order
	if tag != "" {
		cmd += " #" + tag
	}
	if len(tips) == 0 && page > 1 {
		return bot.Reply{Text: bot.Textf("There is no page %d: the tips end before it. `/cop %s` shows the first.", page, bot.Untrusted(cmd))}, nil
	}
	if len(tips) == 0 {
		if order == knowledge.BrowseMine {
			return bot.Reply{Text: bot.Textf("%s: none yet. A message of yours becomes a tip when someone reacts to it with the save emoji, or with `/cop save`.", bot.Untrusted(what))}, nil
		}
		if tag != "" {
			return bot.Reply{Text: bot.Textf("No tips are tagged %s yet.", bot.Untrusted(what))}, nil
		}
		t := bot.Plain("The repository is empty so far. React to a useful message with the save emoji, or use `/cop save`.")
		if req.Member.IsFacilitator {
			t = t.Append(bot.Plain(" `/cop tips removed` lists the tips people took out."))
		}
		return bot.Reply{Text: t}, nil
	}
	head := bot.Textf("%s, %s first:", bot.Untrusted(what), map[string]string{knowledge.BrowseTop: "best",
		knowledge.BrowseRecent: "newest", knowledge.BrowseMine: "newest"}[order])
	return c.tipList(head, tips, more, page, cmd, cmd), nil
}

// tipList renders a page of tips with a button that runs cmd for the next
// page, and hint, the same command as people read and type it.
func (c *Core) tipList(head bot.Text, tips []knowledge.Tip, more bool, page int, cmd, hint string) bot.Reply {
	t := head
	for _, tip := range tips {
		t = t.Append(bot.Plain("\n"), tipLine(tip))
	}
	r := bot.Reply{Text: t}
	if more {
		next := " page:" + strconv.Itoa(page+1)
		r.Text = r.Text.Line("More: `/cop %s`", bot.Untrusted(hint+next))
		r.Buttons = []bot.Button{{Label: "More results", Command: cmd + next}}
	}
	return r
}

// tipLine shows a tip in one line: number, first line of text, author,
// votes, tags and a link back to the source.
func tipLine(tip knowledge.Tip) bot.Text { return numberedTipLine(bot.Textf("*%d*", tip.Number), tip) }

// numberedTipLine is tipLine with the tip's number as given.
func numberedTipLine(number bot.Text, tip knowledge.Tip) bot.Text {
	first, _, _ := strings.Cut(strings.TrimSpace(tip.Text), "\n")
	if utf8.RuneCountInString(first) > 140 {
		first = string([]rune(first)[:139]) + "…"
	}
	t := bot.Textf("%s %s", number, bot.Untrusted(first))
	if tip.AuthorName != "" {
		t = t.Append(bot.Textf(" — %s", bot.Untrusted(tip.AuthorName)))
	}
	if tip.Votes > 0 {
		t = t.Append(bot.Textf(" · %d %s", tip.Votes, plural(tip.Votes, "vote", "votes")))
	}
	// Tags the line shows as #hashtags already are not repeated.
	var tags []string
	for _, tag := range tip.Tags {
		if !slices.Contains(knowledge.Hashtags(first), tag) {
			tags = append(tags, tag)
		}
	}
	if len(tags) > 0 {
		t = t.Append(bot.Textf(" · %s", bot.Untrusted(hashTags(tags))))
	}
	if tip.Permalink != "" {
		t = t.Append(bot.Textf(" · %s", bot.LinkTo{Label: "source", URL: tip.Permalink}))
	}
	return t
}

// tipNumber consumes the tip number that starts a command's arguments.
func tipNumber(req *request) (int, error) {
	t, ok := req.Args.Shift()
	if ok && (t.Kind == wordToken || t.Kind == tagToken) {
		if n, ok := itemNumber(t.Text); ok {
			return n, nil
		}
	}
	return 0, usagef(firstWord(req.Path), fmt.Sprintf("Which tip? Give its number, like `/cop %s 12`.", req.Path))
}

func tipNotFound(err error, number int) error {
	if errors.Is(err, knowledge.ErrNotFound) {
		return &knowledge.InvalidError{Msg: fmt.Sprintf("There is no tip %d in the repository.", number)}
	}
	return err
}

// pageOption consumes page:N.
func pageOption(a *commandArgs) (int, error) {
	page := 1
	for _, t := range a.take(func(t token) bool { return t.Kind == wordToken && strings.HasPrefix(strings.ToLower(t.Text), "page:") }) {
		n, err := strconv.Atoi(t.Text[len("page:"):])
		if err != nil || n < 1 || n > 20 {
			return 0, &knowledge.InvalidError{Msg: "Pages go from `page:1` to `page:20`."}
		}
		page = n
	}
	return page, nil
}

func hashTags(tags []string) string {
	return "#" + strings.Join(tags, " #")
}

// plural is knowledge.Plural, copbot's one plural rule.
var plural = knowledge.Plural

// reader is the member of a request as the repository sees them: a guest
// comes with the channels the platform says they are in.
func (c *Core) reader(ctx context.Context, req *request) (knowledge.Reader, error) {
	r := knowledge.Reader{Member: req.Member}
	if !req.Member.IsGuest {
		return r, nil
	}
	r.GuestChannels = []string{}
	if lister, ok := c.adapters[req.Event.Community.Platform].(bot.MemberChannelLister); ok {
		// The guest's channels are those of the workspace the command came from.
		ws, user := bot.Unqualify(refOf(req.Community), req.Member.PlatformUserID)
		channels, err := lister.MemberChannels(ctx, ws, user)
		if err != nil {
			return r, fmt.Errorf("list a guest's channels: %w", err)
		}
		for i := range channels {
			channels[i] = seenBy(&bot.Event{Community: ws, Channel: bot.Channel{ID: channels[i]}}, req.Community).Channel.ID
		}
		r.GuestChannels = channels
	}
	return r, nil
}
