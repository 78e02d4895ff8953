package commands

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func (c *Core) searchCommand() family {
	return family{
		Name: "search", Summary: "find tips, best first",
		Usage: []string{"search <words> [#tag] [from:@user|from:me] [in:partners] [page:N]"},
		Examples: []string{"search flaky tests", `search "code review" #onboarding`, "search from:@ada", "search from:me",
			"search flaky tests in:partners"},
		Notes: "Words are matched by their stem (\"testing\" finds \"tests\") in the text and tags. " +
			"Put phrases in quotes and exclude a word with -word. `in:partners` searches the partner communities' " +
			"repositories too (`/cop partner`), ranked together; their tips are named by community, like `frontend #12`.",
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
	partners, err := partnersOption(req.Args)
	if err != nil {
		return bot.Reply{}, err
	}
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
		shownAuthor, runAuthor = "from:@"+displayName(author), "from:"+c.typedMention(req, author)
	}
	q.Words = req.Args.Rest()
	terms := q.Words
	for _, tag := range q.Tags {
		terms += " #" + tag
	}
	if partners {
		terms = strings.TrimSpace(terms + " in:partners")
	}
	with := func(author string) string { return strings.TrimSpace(terms + " " + author) }
	if q.Reader, err = c.reader(ctx, req); err != nil {
		return bot.Reply{}, err
	}
	if partners {
		return c.searchPartners(ctx, req, q, page, with(""))
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

// typedMention is a member as the reader would mention them in a command
// (a button's): by their platform's id in the reader's own workspace; by
// name when they are on another side of a linked community, whose ids the
// reader's platform does not know.
func (c *Core) typedMention(req *request, m knowledge.Member) string {
	if ws, raw := bot.Unqualify(refOf(req.Community), m.PlatformUserID); bot.SameWorkspace(ws, req.Event.Community) {
		return "<@" + raw + ">"
	}
	return "@" + displayName(m)
}

// partnersOption consumes in:partners, the one place a search may also
// look.
func partnersOption(a *commandArgs) (bool, error) {
	found := false
	for _, t := range a.take(func(t token) bool {
		return t.Kind == wordToken && t.Key == "" && len(t.Text) >= len("in:") && strings.EqualFold(t.Text[:len("in:")], "in:")
	}) {
		if !strings.EqualFold(t.Text, "in:partners") {
			return false, usageTextf("search", "“%s” is not a place to search; `in:partners` adds the partner communities.", bot.Untrusted(t.Text))
		}
		found = true
	}
	return found, nil
}

// searchPartners answers a search with in:partners: this community's tips
// and its partners', ranked together, each partner's named by community.
func (c *Core) searchPartners(ctx context.Context, req *request, q knowledge.SearchQuery, page int, what string) (bot.Reply, error) {
	tips, more, partners, err := c.store.SearchWithPartners(ctx, req.Community.ID, q)
	if errors.Is(err, knowledge.ErrPartnersForGuests) {
		return bot.Reply{Text: bot.Plain("Guests search this community only; leave out `in:partners`.")}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	var local []knowledge.Tip
	for _, t := range tips {
		if t.CommunityID == req.Community.ID {
			local = append(local, t)
		}
	}
	// The pulse counts searches; a lost record must not cost the answer.
	if err := c.store.RecordSearch(ctx, req.Member, page, local); err != nil {
		c.log.WarnContext(ctx, "search not recorded", commandAttrs(req, err)...)
	}
	// Said once, in words: the quoted search is what was searched for.
	shown := strings.Join(strings.Fields(strings.Replace(what, "in:partners", "", 1)), " ")
	var note bot.Text
	if len(partners) == 0 {
		note = bot.Plain("This community has no partners yet, so this searched it alone; facilitators add one with `/cop partner add <community>`.")
	}
	if len(tips) == 0 {
		t := bot.Textf("No tips here or in partner communities match “%s” yet.", bot.Untrusted(shown))
		if page > 1 {
			t = bot.Textf("No more tips here or in partner communities match “%s”.", bot.Untrusted(shown))
		}
		return bot.Reply{Text: withNote(t, note)}, nil
	}
	names := map[int64]string{}
	for _, p := range partners {
		names[p.ID] = p.NameFrom(req.Community)
	}
	t := bot.Textf("Tips matching “%s” here and in partner communities, best first:", bot.Untrusted(shown))
	for _, tip := range tips {
		if name, ok := names[tip.CommunityID]; ok {
			t = t.Append(bot.Plain("\n"), sourcedTipLine(name, tip))
		} else {
			t = t.Append(bot.Plain("\n"), tipLine(tip))
		}
	}
	r := bot.Reply{Text: withNote(t, note)}
	if more {
		next := " page:" + strconv.Itoa(page+1)
		r.Text = r.Text.Line("More: `/cop search %s`", bot.Untrusted(what+next))
		r.Buttons = []bot.Button{{Label: "More results", Command: "search " + what + next}}
	}
	return r, nil
}

// withNote adds a line, when there is one.
func withNote(t, note bot.Text) bot.Text {
	if len(note) == 0 {
		return t
	}
	return t.Line("%s", note)
}

// sourcedTipLine shows a tip of another community in one line, as tipLine
// does but numbered by its community ("frontend #12"), so that its number
// is never taken for one of here.
func sourcedTipLine(community string, tip knowledge.Tip) bot.Text {
	return numberedTipLine(bot.Textf("*%s #%d*", bot.Untrusted(community), tip.Number), tip)
}
