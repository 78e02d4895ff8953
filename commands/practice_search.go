package commands

import (
	"context"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) searchCommand() family {
	return family{
		Name: "search", Summary: "find tips, best first",
		Usage:    []string{"search <words> [#tag] [from:@user|from:me] [page:N]"},
		Examples: []string{"search flaky tests", `search "code review" #onboarding`, "search from:@ada", "search from:me"},
		Notes: "Words are matched by their stem (\"testing\" finds \"tests\") in the text and tags. " +
			"Put phrases in quotes and exclude a word with -word.",
		Handler: handlerFunc(c.search),
	}
}

func (c *Core) search(ctx context.Context, req *request) (bot.Reply, error) {
	cfg, err := c.settings(ctx, req.Community.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	q := knowledge.SearchQuery{Tags: req.Args.Tags(), Limit: pageSize, Language: cfg.Language()}
	page, err := pageOption(req.Args)
	if err != nil {
		return bot.Reply{}, err
	}
	q.Offset = (page - 1) * pageSize
	// The author: by name in the search as shown (and in the next page's
	// hint), by id in the next page's button, since a name may have spaces.
	var shownAuthor, runAuthor string
	if from, ok := fromOption(req.Args); ok {
		if len(from) != 1 {
			return bot.Reply{}, usagef("search", "Name one author, like `from:@ada` or `from:me`.")
		}
		author, err := c.author(ctx, req, from[0])
		if err != nil {
			return bot.Reply{}, err
		}
		q.AuthorID = &author.ID
		shownAuthor, runAuthor = "from:@"+displayName(author), "from:<@"+author.PlatformUserID+">"
	}
	q.Words = req.Args.Rest()
	terms := q.Words
	for _, tag := range q.Tags {
		terms += " #" + tag
	}
	with := func(author string) string { return strings.TrimSpace(terms + " " + author) }
	if q.Reader, err = c.reader(ctx, req); err != nil {
		return bot.Reply{}, err
	}
	tips, more, err := c.store.Search(ctx, req.Community.ID, q)
	if err != nil {
		return bot.Reply{}, err
	}
	// The pulse counts searches; a lost record must not cost the answer.
	if err := c.store.RecordSearch(ctx, req.Member, page, tips); err != nil {
		c.log.WarnContext(ctx, "search not recorded", commandAttrs(req, err)...)
	}
	what := with(shownAuthor)
	if len(tips) == 0 {
		if page > 1 {
			return bot.Reply{Text: bot.Textf("No more tips match “%s”.", bot.Untrusted(what))}, nil
		}
		return bot.Reply{Text: bot.Textf("No tips match “%s” yet. Try fewer or other words, or `/cop tips` to browse.", bot.Untrusted(what))}, nil
	}
	head := bot.Textf("Tips matching “%s”, best first:", bot.Untrusted(what))
	return c.tipList(head, tips, more, page, "search "+with(runAuthor), "search "+what), nil
}

// author reads the value of from:, which names a member as a mention
// (from:@ada), by name without the @ (from:ada) or as from:me.
func (c *Core) author(ctx context.Context, req *request, t token) (knowledge.Member, error) {
	switch {
	case t.ID == "" && (strings.EqualFold(t.Name, "me") || t.Kind == wordToken && strings.EqualFold(t.Text, "me")):
		return req.Member, nil
	case t.Kind == wordToken:
		t = token{Kind: mentionToken, Text: "@" + t.Text, Name: t.Text}
	case t.Kind != mentionToken:
		return knowledge.Member{}, usagef("search", "Name one author, like `from:@ada` or `from:me`.")
	}
	return c.member(ctx, req, t)
}

// fromOption consumes every from: and returns their values: from:@ada is
// parsed as a keyed mention, from:ada and from:me as words (their value
// after the colon), and a bare from: has none.
func fromOption(a *commandArgs) ([]token, bool) {
	from := a.Keyed("from")
	found := len(from) > 0
	for _, t := range a.take(func(t token) bool {
		return t.Kind == wordToken && t.Key == "" && len(t.Text) >= len("from:") && strings.EqualFold(t.Text[:len("from:")], "from:")
	}) {
		found = true
		if v := t.Text[len("from:"):]; v != "" {
			from = append(from, token{Kind: wordToken, Text: v})
		}
	}
	return from, found
}
