package bot

import (
	"fmt"
	"strconv"
	"strings"
)

// SpanKind says how an adapter must render a span of Text.
type SpanKind int

// Span kinds. Only Markup is copbot's own words; everything else came from a
// person or names one, so adapters escape it for their platform.
const (
	// Markup is copbot's text with its small markup: *bold*, `code`, lines.
	Markup SpanKind = iota
	// UserText is text a person typed (a tip, a name, a title). It is stored raw
	// and must render inert: no mention, channel ping or markup takes effect.
	UserText
	// Mention is a deliberate mention of the user whose platform id is Text.
	Mention
	// Link is a link to URL with the user text Text as its label.
	Link
)

// Span is one run of Text.
type Span struct {
	Kind SpanKind
	Text string
	URL  string
}

// Text is a reply's content, kept as spans so that each adapter can escape
// user text for its platform when it renders, and only then.
type Text []Span

// Plain is Text that is all copbot markup.
func Plain(s string) Text { return Text{{Kind: Markup, Text: s}} }

// Untrusted marks a Textf argument as user text.
type Untrusted string

// MentionOf marks a Textf argument as a deliberate mention of a platform user.
type MentionOf string

// LinkTo marks a Textf argument as a link with a user-text label.
type LinkTo struct{ Label, URL string }

// placeholder brackets stand in for special arguments while fmt formats the
// rest; they cannot occur in markup because copbot's own strings never hold NUL.
const phOpen, phClose = "\x00\x01", "\x01\x00"

// Textf formats like fmt.Sprintf, except that Untrusted, MentionOf and
// LinkTo arguments become spans of their own kind, and a Text argument
// keeps its spans (its user text stays user text); use %s for them.
func Textf(format string, args ...any) Text {
	special := map[int]Text{}
	fmtArgs := make([]any, len(args))
	for i, a := range args {
		var sp Text
		switch v := a.(type) {
		case Untrusted:
			sp = Text{{Kind: UserText, Text: string(v)}}
		case MentionOf:
			sp = Text{{Kind: Mention, Text: string(v)}}
		case LinkTo:
			sp = Text{{Kind: Link, Text: v.Label, URL: v.URL}}
		case Text:
			sp = v
		}
		if sp == nil {
			fmtArgs[i] = a
			continue
		}
		special[i] = sp
		fmtArgs[i] = phOpen + strconv.Itoa(i) + phClose
	}
	s := fmt.Sprintf(format, fmtArgs...)
	var t Text
	for {
		start := strings.Index(s, phOpen)
		if start < 0 {
			break
		}
		end := strings.Index(s[start:], phClose)
		if end < 0 {
			break
		}
		i, err := strconv.Atoi(s[start+len(phOpen) : start+end])
		sp, ok := special[i]
		if err != nil || !ok {
			break
		}
		t = t.Append(Plain(s[:start]), sp)
		s = s[start+end+len(phClose):]
	}
	return t.Append(Plain(s))
}

// Append joins texts, dropping empty markup spans.
func (t Text) Append(more ...Text) Text {
	for _, m := range more {
		for _, sp := range m {
			if sp.Kind == Markup && sp.Text == "" {
				continue
			}
			t = append(t, sp)
		}
	}
	return t
}

// Line appends a formatted line (Textf) after a newline when t is not empty.
func (t Text) Line(format string, args ...any) Text {
	if len(t) > 0 {
		t = t.Append(Plain("\n"))
	}
	return t.Append(Textf(format, args...))
}

// Render writes t with one function per span kind; adapters pass their
// platform's escaping. A nil function writes the span's text unchanged.
func (t Text) Render(markup, user, mention func(string) string, link func(label, url string) string) string {
	var b strings.Builder
	for _, sp := range t {
		switch sp.Kind {
		case Markup:
			b.WriteString(apply(markup, sp.Text))
		case UserText:
			b.WriteString(apply(user, sp.Text))
		case Mention:
			b.WriteString(apply(mention, sp.Text))
		case Link:
			if link != nil {
				b.WriteString(link(sp.Text, sp.URL))
			} else {
				b.WriteString(sp.Text + " " + sp.URL)
			}
		}
	}
	return b.String()
}

func apply(f func(string) string, s string) string {
	if f == nil {
		return s
	}
	return f(s)
}

// String renders t without any escaping, for logs and tests.
func (t Text) String() string { return t.Render(nil, nil, nil, nil) }
