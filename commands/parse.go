package commands

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/copbot/copbot/knowledge"
)

// tokenKind says what a token of a command is.
type tokenKind int

// Token kinds.
const (
	// wordToken is a bare word.
	wordToken tokenKind = iota
	// quotedToken is a "quoted string", quotes removed.
	quotedToken
	// tagToken is a #tag; Text holds the normalised tag without '#'.
	tagToken
	// mentionToken names a member: ID is set for platform mentions (<@U123>,
	// <@!123>), Name for a plain @name.
	mentionToken
	// channelToken is a platform channel mention (<#C123|name>, <#123>).
	channelToken
)

// token is one piece of a command's text.
type token struct {
	Kind tokenKind
	// Text is the word, quoted text or tag; for mentions the @name as typed.
	Text string
	ID   string
	Name string
	// Key is set when the token was written as key:value, e.g. from:@ada.
	Key string
	// Raw is a #word as typed, without its #: the tag it files under is
	// Text, and the channel it may name is Raw.
	Raw string
}

// commandArgs are a command's tokens, consumed from the front or by name.
type commandArgs struct {
	toks []token
}

var (
	// Slack sends <@U123> or <@U123|name>; Discord <@123> or <@!123>.
	userMention    = regexp.MustCompile(`^<@!?([A-Za-z0-9_.-]+)(?:\|([^>]*))?>`)
	channelMention = regexp.MustCompile(`^<#([A-Za-z0-9_.-]+)(?:\|([^>]*))?>`)
	// Slack escapes links as <https://…>, <https://…|label> or
	// <mailto:a@b|a@b>. Only what Slack makes is taken for a link: a URL
	// holds no space (Slack encodes them), and an address does not start
	// with @ or #; so a link's URL is one word that Rest can write back
	// and Parse reads again as the same word ("<https://a b>" is two words,
	// as typed, and "<mailto:@x>" a word and a mention).
	// (Spaces are unicode.IsSpace's: \s, \v, U+0085 and the Z classes.)
	slackLink = regexp.MustCompile(`^<((?:https?://|mailto:[^@#<|>\s\v\x{85}\pZ])[^|>\s\v\x{85}\pZ]*)(?:\|[^>]*)?>`)
	keyPrefix = regexp.MustCompile(`^([a-z]+):(?:[@#]|<[@#])`)
)

// parseError is a command that cannot be tokenised, in words for people.
type parseError struct{ Msg string }

func (e *parseError) Error() string { return e.Msg }

// parse splits command text into tokens. Quotes may be straight or curly
// (phones and Slack's formatting turn "x" into “x”).
func parse(text string) (*commandArgs, error) { return parseQuotes(text, false) }

// parseLenient is parse for a command that ends in a member's own words: a
// quote left open is a character of the word it starts.
func parseLenient(text string) (*commandArgs, error) { return parseQuotes(text, true) }

func parseQuotes(text string, lenient bool) (*commandArgs, error) {
	var toks []token
	s := strings.TrimSpace(text)
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if s == "" {
			return &commandArgs{toks: toks}, nil
		}
		key := ""
		if m := keyPrefix.FindStringSubmatch(s); m != nil {
			key = m[1]
			s = s[len(m[1])+1:]
		}
		tok, rest, err := nextToken(s, lenient)
		if err != nil {
			return nil, err
		}
		tok.Key = key
		toks = append(toks, tok)
		s = rest
	}
}

func nextToken(s string, lenient bool) (token, string, error) {
	if m := userMention.FindStringSubmatch(s); m != nil {
		return token{Kind: mentionToken, Text: m[0], ID: m[1], Name: m[2]}, s[len(m[0]):], nil
	}
	if m := channelMention.FindStringSubmatch(s); m != nil {
		return token{Kind: channelToken, Text: m[0], ID: m[1], Name: m[2]}, s[len(m[0]):], nil
	}
	if m := slackLink.FindStringSubmatch(s); m != nil {
		return token{Kind: wordToken, Text: m[1]}, s[len(m[0]):], nil
	}
	if first, size := utf8.DecodeRuneInString(s); isQuote(first) {
		inner := s[size:]
		end := strings.IndexFunc(inner, isQuote)
		if end < 0 && !lenient {
			return token{}, "", &parseError{Msg: "There is an opening quote without a closing one."}
		}
		if end < 0 {
			return plainWord(s)
		}
		_, qsize := utf8.DecodeRuneInString(inner[end:])
		return token{Kind: quotedToken, Text: inner[:end]}, inner[end+qsize:], nil
	}
	return plainWord(s)
}

// plainWord reads a word up to the next space: a #tag, an @name, or a word.
func plainWord(s string) (token, string, error) {
	end := strings.IndexFunc(s, unicode.IsSpace)
	if end < 0 {
		end = len(s)
	}
	word, rest := s[:end], s[end:]
	switch {
	case len(word) > 1 && word[0] == '#':
		tag := knowledge.NormalizeTag(word[1:])
		if tag == "" {
			return token{}, "", &parseError{Msg: fmt.Sprintf("`%s` is not a tag: a tag needs a letter or a digit (and may have - and _).", word)}
		}
		return token{Kind: tagToken, Text: tag, Raw: word[1:]}, rest, nil
	case len(word) > 1 && word[0] == '@':
		return token{Kind: mentionToken, Text: word, Name: word[1:]}, rest, nil
	}
	return token{Kind: wordToken, Text: word}, rest, nil
}

// splitFirstWord splits command text, as typed, into its first word and
// the rest.
func splitFirstWord(s string) (first, rest string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], strings.TrimSpace(s[i:])
	}
	return s, ""
}

// restAfterFirstWord is the command text after its first word, as typed.
func restAfterFirstWord(s string) string {
	_, rest := splitFirstWord(s)
	return rest
}

// isQuote reports whether r is a double quote, straight or curly. Single
// quotes are left alone: apostrophes are too common in plain words.
func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' || r == '„' }

// Len is the number of tokens left.
func (a *commandArgs) Len() int { return len(a.toks) }

// Peek returns the first token without consuming it.
func (a *commandArgs) Peek() (token, bool) {
	if len(a.toks) == 0 {
		return token{}, false
	}
	return a.toks[0], true
}

// Shift consumes the first token.
func (a *commandArgs) Shift() (token, bool) {
	t, ok := a.Peek()
	if ok {
		a.toks = a.toks[1:]
	}
	return t, ok
}

// ShiftWord consumes the first token if it is a word or quoted string, lower-cased.
func (a *commandArgs) ShiftWord() (string, bool) {
	t, ok := a.Peek()
	if !ok || (t.Kind != wordToken && t.Kind != quotedToken) || t.Key != "" {
		return "", false
	}
	a.toks = a.toks[1:]
	return strings.ToLower(t.Text), true
}

// Option consumes `name value` anywhere in the arguments and returns value.
// found is true when name appeared, even without a value.
func (a *commandArgs) Option(name string) (value token, found, hasValue bool) {
	for i, t := range a.toks {
		if t.Kind == wordToken && t.Key == "" && strings.EqualFold(t.Text, name) {
			if i+1 < len(a.toks) {
				value = a.toks[i+1]
				a.toks = append(a.toks[:i:i], a.toks[i+2:]...)
				return value, true, true
			}
			a.toks = a.toks[:i]
			return token{}, true, false
		}
	}
	return token{}, false, false
}

// Keyed consumes every token written as key:value with the given key.
func (a *commandArgs) Keyed(key string) []token {
	return a.take(func(t token) bool { return t.Key == key })
}

// Tags consumes every #tag and returns them, duplicates removed, in order.
func (a *commandArgs) Tags() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range a.take(func(t token) bool { return t.Kind == tagToken && t.Key == "" }) {
		if !seen[t.Text] {
			seen[t.Text] = true
			out = append(out, t.Text)
		}
	}
	return out
}

// Mentions consumes every mention.
func (a *commandArgs) Mentions() []token {
	return a.take(func(t token) bool { return t.Kind == mentionToken && t.Key == "" })
}

// Rest consumes every token and joins their text with spaces.
func (a *commandArgs) Rest() string {
	parts := make([]string, 0, len(a.toks))
	for _, t := range a.toks {
		s := t.Text
		switch {
		case t.Kind == tagToken:
			s = "#" + s
		case t.Kind == quotedToken:
			s = `"` + s + `"`
		}
		if t.Key != "" {
			s = t.Key + ":" + s
		}
		parts = append(parts, s)
	}
	a.toks = nil
	return strings.Join(parts, " ")
}

func (a *commandArgs) take(match func(token) bool) []token {
	var out []token
	kept := a.toks[:0:0]
	for _, t := range a.toks {
		if match(t) {
			out = append(out, t)
		} else {
			kept = append(kept, t)
		}
	}
	a.toks = kept
	return out
}

// itemNumber reads the number of a tip, objective or pairing as people type
// it ("12" or "#12"): a whole number from 1 to the largest PostgreSQL's
// int holds; none larger can exist.
func itemNumber(s string) (int, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 32)
	return int(n), err == nil && n > 0
}
