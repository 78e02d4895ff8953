package commands

import (
	"context"
	"sort"
	"strings"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// request is one /cop command to serve, with who sent it and where.
type request struct {
	Event     *bot.Event
	Community knowledge.Community
	Member    knowledge.Member
	// Args are the command's tokens after the family (and, within a family's
	// subcommand handler, after the subcommand).
	Args *commandArgs
	// Path is the family and subcommand words consumed so far, e.g. "mentor offer".
	Path string
}

// handler serves one command family or subcommand, in the manner of
// net/http.Handler. Errors that are the user's (UsageError, InvalidError,
// ErrForbidden, ErrNotFound) become friendly replies; anything else is
// logged and answered with an apology.
type handler interface {
	ServeCommand(ctx context.Context, req *request) (bot.Reply, error)
}

// handlerFunc lets a function serve as a Handler.
type handlerFunc func(ctx context.Context, req *request) (bot.Reply, error)

// ServeCommand calls f.
func (f handlerFunc) ServeCommand(ctx context.Context, req *request) (bot.Reply, error) {
	return f(ctx, req)
}

// forFacilitators refuses members who are not facilitators before h reads
// their input, so they are not coached on a command they may not use. The
// right is the store's (knowledge.MayFacilitate), checked again by every
// store method it guards; this only orders the answers.
func forFacilitators(h handlerFunc) handlerFunc {
	return func(ctx context.Context, req *request) (bot.Reply, error) {
		if err := knowledge.MayFacilitate(req.Member); err != nil {
			return bot.Reply{}, err
		}
		return h(ctx, req)
	}
}

// family describes one family of /cop for routing and for help.
type family struct {
	Name    string
	Summary string
	// Usage lines, each without the leading "/cop ".
	Usage []string
	// Examples, each without the leading "/cop ".
	Examples []string
	// Notes is a longer explanation shown by /cop help <name>.
	Notes string
	// FreeText commands read their text as typed (a tip, a story): quotes
	// and # in it are the member's, not grammar, so an unclosed quote is
	// no error.
	FreeText bool
	// EndsInText commands end in a member's own words (a check-in's note,
	// mentoring feedback): a quote left open there is theirs, not grammar.
	EndsInText bool
	Handler    handler
}

// router sends a command to its family's handler.
type router struct {
	cmds map[string]family
}

// newRouter routes to the given families.
func newRouter(cmds ...family) *router {
	r := &router{cmds: map[string]family{}}
	r.add(cmds...)
	return r
}

// add routes to more families.
func (r *router) add(cmds ...family) {
	for _, c := range cmds {
		r.cmds[c.Name] = c
	}
}

// Lookup returns a family by name.
func (r *router) Lookup(name string) (family, bool) {
	c, ok := r.cmds[name]
	return c, ok
}

// Grammar lists every family with its subcommands, in alphabetical order,
// for adapters that mirror the grammar in a platform's own command form
// (Discord's application command) and for the tests that keep them level.
func (r *router) Grammar() map[string][]string {
	g := map[string][]string{}
	for name, c := range r.cmds {
		subs := []string{}
		if s, ok := c.Handler.(subcommands); ok {
			for n := range s {
				if n != "" {
					subs = append(subs, n)
				}
			}
		}
		sort.Strings(subs)
		g[name] = subs
	}
	return g
}

// Names lists the families in alphabetical order.
func (r *router) Names() []string {
	names := make([]string, 0, len(r.cmds))
	for n := range r.cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// FreeText reports whether the command the text starts with reads its
// text as typed.
func (r *router) FreeText(text string) bool {
	name, _ := splitFirstWord(text)
	return r.cmds[strings.ToLower(name)].FreeText
}

// EndsInText reports whether the command the text starts with ends in
// text as typed.
func (r *router) EndsInText(text string) bool {
	name, _ := splitFirstWord(text)
	return r.cmds[strings.ToLower(name)].EndsInText
}

// ServeCommand routes on the first word; no word means help.
func (r *router) ServeCommand(ctx context.Context, req *request) (bot.Reply, error) {
	name, ok := req.Args.ShiftWord()
	if !ok {
		if req.Args.Len() > 0 {
			return bot.Reply{}, &UsageError{Msg: "Start with a command word, for example `/cop help`."}
		}
		name = "help"
	}
	c, ok := r.cmds[name]
	if !ok {
		return bot.Reply{}, unknown("", "/cop ", name, suggest(name, r.Names()), "/cop help")
	}
	req.Path = name
	return c.Handler.ServeCommand(ctx, req)
}

// subcommands routes on the next word to a family's subcommands. The
// handler for "" serves the family with no subcommand given, if present.
type subcommands map[string]handlerFunc

// ServeCommand routes to the named subcommand.
func (s subcommands) ServeCommand(ctx context.Context, req *request) (bot.Reply, error) {
	family := req.Path
	name, ok := req.Args.ShiftWord()
	if !ok {
		if h, ok := s[""]; ok {
			return h(ctx, req)
		}
		return bot.Reply{}, &UsageError{Topic: family, Msg: "`/cop " + family + "` needs a subcommand: " + s.list() + "."}
	}
	h, ok := s[name]
	if !ok || name == "" {
		names := make([]string, 0, len(s))
		for n := range s {
			if n != "" {
				names = append(names, n)
			}
		}
		return bot.Reply{}, unknown(family, "/cop "+family+" ", name, suggest(name, names), "/cop help "+family)
	}
	req.Path = family + " " + name
	return h(ctx, req)
}

func (s subcommands) list() string {
	var names []string
	for n := range s {
		if n != "" {
			names = append(names, "`"+n+"`")
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// unknown answers an unknown word after prefix ("/cop " or "/cop mentor "),
// quoting what was typed as user text.
func unknown(topic, prefix, word, suggestion, help string) error {
	t := bot.Textf("I don't know “%s”.", bot.Untrusted(prefix+word))
	if suggestion != "" {
		t = t.Append(bot.Plain(" Did you mean `" + prefix + suggestion + "`?"))
	}
	return &UsageError{Topic: topic, Text: t.Append(bot.Plain(" See `" + help + "`."))}
}

// suggest returns the candidate closest to word, if it is close enough to be
// a likely typo: a prefix of it, or within an edit distance of about a third
// of its length.
func suggest(word string, candidates []string) string {
	sort.Strings(candidates)
	best, bestD := "", len(word)/3+1
	if bestD > 3 {
		bestD = 3
	}
	for _, c := range candidates {
		if len(word) >= 2 && strings.HasPrefix(c, word) {
			return c
		}
		if d := editDistance(word, c); d <= bestD && (best == "" || d < editDistance(word, best)) {
			best = c
		}
	}
	return best
}

// editDistance is the Damerau–Levenshtein distance (adjacent swaps count one).
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range y {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
