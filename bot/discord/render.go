package discord

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/bot"
)

// maxContent is Discord's limit on a message's content, in characters.
const maxContent = 2000

// buttonPrefix starts the custom_id of every copbot button; the rest is
// the /cop command the button runs. A button sent outside a server (a
// direct message) names its server instead: "cop@<guild id>:<command>",
// since a click in a DM carries no guild.
const buttonPrefix, guildButtonPrefix = "cop:", "cop@"

// noMentions is the allowed_mentions of every message copbot sends: an
// explicit empty list, so that nothing in it pings anyone. discordgo writes
// a nil Parse as null, which Discord reads as "the default", so the empty
// slice matters.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Render gives a reply's text as Discord markdown: copbot's markup with its
// Slack-style *bold* made Discord's **bold**, people's text escaped so that
// it renders as typed, mentions as <@id> and links as [label](<url>).
// Escaping each span is not enough on its own: spans meet, so "<" + "@1" +
// ">" or "@" + "here" would spell a mention or a ping that no span holds.
// defuse looks at the whole text last, knowing which mentions copbot made.
//
// Inside a code span that copbot's markup opens (`/cop …`), Discord shows
// backslashes as typed, so people's text there is not escaped: only a
// backtick, which would end the span, becomes a look-alike.
func Render(t bot.Text) string {
	var b strings.Builder
	var deliberate []int // where the mentions copbot means start
	inCode := false
	for _, sp := range t {
		lineStart := b.Len() == 0 || strings.HasSuffix(b.String(), "\n")
		switch sp.Kind {
		case bot.Markup:
			b.WriteString(markup(sp.Text))
			inCode = inCode != (strings.Count(sp.Text, "`")%2 == 1)
		case bot.UserText:
			if inCode {
				b.WriteString(strings.NewReplacer("`", "\u02cb", "\n", " ").Replace(strings.ToValidUTF8(sp.Text, "\uFFFD")))
				continue
			}
			b.WriteString(escape(sp.Text, lineStart))
		case bot.Mention:
			m := mention(sp.Text)
			if strings.HasPrefix(m, "<@") {
				deliberate = append(deliberate, b.Len())
			}
			b.WriteString(m)
		case bot.Link:
			b.WriteString(link(sp.Text, sp.URL))
		}
	}
	return defuse(b.String(), deliberate)
}

// mentionSyntax is how Discord writes a user (<@id>, <@!id>), role
// (<@&id>) or channel (<#id>) mention in a message.
var mentionSyntax = regexp.MustCompile(`^<(?:@[!&]?|#)[0-9]+>`)

// defuse makes inert every mention in s but the deliberate ones (the
// offsets where copbot's own <@id> start) and every @everyone and @here:
// a mention gets a backslash after its "<" (Discord shows <@1> and hides
// the backslash), a ping a zero-width space after its "@". Whatever the
// spans held and however they met, the text then spells no other mention
// or ping, even read raw.
func defuse(s string, deliberate []int) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		switch s[i] {
		case '<':
			if len(deliberate) > 0 && deliberate[0] == i {
				deliberate = deliberate[1:]
			} else if mentionSyntax.MatchString(s[i:]) {
				b.WriteByte('\\')
			}
		case '@':
			if rest := s[i+1:]; hasPrefixFold(rest, "everyone") || hasPrefixFold(rest, "here") {
				b.WriteString("\u200b")
			}
		}
	}
	return b.String()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func markup(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '*' && (i+1 >= len(s) || s[i+1] != '*') && (i == 0 || s[i-1] != '*') {
			b.WriteString("**")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escape makes user text inert: every markdown character is escaped with a
// backslash (Discord hides the backslash), line-start markers (# headings,
// - lists, > quotes) too; defuse takes care of @everyone and @here.
// lineStart says whether s begins a line of the message.
// Web addresses are left as typed (Discord links them before it reads
// markdown, and a backslash would break them) up to a space or < > |.
func escape(s string, lineStart bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := urlLen(s[i:]); n > 0 {
			b.WriteString(s[i : i+n])
			i += n
			lineStart = false
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case strings.ContainsRune("\\*_~`|<>[]()", r):
			b.WriteByte('\\')
		case lineStart && strings.ContainsRune("#->+", r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		switch {
		case r == '\n':
			lineStart = true
		case r != ' ' && r != '\t':
			lineStart = false
		}
	}
	return b.String()
}

// urlLen is the length of the web address s starts with, or 0.
func urlLen(s string) int {
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return 0
	}
	n := strings.IndexFunc(s, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '<' || r == '>' || r == '|' || r == '@' || r == '`'
	})
	if n < 0 {
		n = len(s)
	}
	if n <= len("https://") {
		return 0
	}
	return n
}

func mention(id string) string {
	if !isSnowflake(id) {
		return escape("@"+id, false)
	}
	return "<@" + id + ">"
}

func link(label, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || strings.ContainsAny(raw, "<>() \n\t[]") {
		return escape(label, false) + " (" + escape(raw, false) + ")"
	}
	if label == "" {
		label = raw
	}
	return "[" + escape(label, false) + "](<" + raw + ">)"
}

// message is one Discord message of a reply. A reply longer than Discord
// allows becomes several, split at line ends: the first carries the files,
// the last the buttons.
type message struct {
	content    string
	components []discordgo.MessageComponent
	files      []*discordgo.File
}

func messages(r bot.Reply) []message { return messagesIn(r, "") }

// messagesIn renders a reply whose buttons run their commands in guildID
// wherever they are pressed ("" for where they are pressed).
func messagesIn(r bot.Reply, guildID string) []message {
	chunks := split(Render(r.Text), maxContent)
	out := make([]message, len(chunks))
	for i, c := range chunks {
		out[i].content = c
	}
	out[0].files = files(r.Files)
	out[len(out)-1].components = buttons(r.Buttons, guildID)
	return out
}

// split cuts s into pieces of at most limit characters, preferring line
// ends and never cutting between a backslash and the character it escapes.
func split(s string, limit int) []string {
	var out []string
	for utf8.RuneCountInString(s) > limit {
		cut := byteIndexOfRune(s, limit)
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl > 0 {
			cut = nl + 1
		} else {
			for cut > 0 && s[cut-1] == '\\' {
				cut--
			}
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
			if cut == 0 { // no line end, no rune start: cut at the limit all the same
				cut = byteIndexOfRune(s, limit)
			}
		}
		out = append(out, strings.TrimRight(s[:cut], "\n"))
		s = s[cut:]
	}
	return append(out, strings.TrimRight(s, "\n"))
}

func byteIndexOfRune(s string, n int) int {
	i := 0
	for j := range s {
		if i == n {
			return j
		}
		i++
	}
	return len(s)
}

// buttons lays out up to 25 buttons in rows of five. A button whose
// command does not fit Discord's 100-character custom_id is left out; the
// reply's text names the command anyway.
func buttons(bs []bot.Button, guildID string) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row discordgo.ActionsRow
	for _, b := range bs {
		id := buttonPrefix + b.Command
		if guildID != "" {
			id = guildButtonPrefix + guildID + ":" + b.Command
		}
		if len(id) > 100 || len(rows) == 5 {
			continue
		}
		style := discordgo.SecondaryButton
		switch b.Style {
		case "primary":
			style = discordgo.PrimaryButton
		case "danger":
			style = discordgo.DangerButton
		}
		label := b.Label
		if utf8.RuneCountInString(label) > 80 {
			label = string([]rune(label)[:79]) + "…"
		}
		row.Components = append(row.Components, discordgo.Button{Label: label, Style: style, CustomID: id})
		if len(row.Components) == 5 {
			rows = append(rows, row)
			row = discordgo.ActionsRow{}
		}
	}
	if len(row.Components) > 0 && len(rows) < 5 {
		rows = append(rows, row)
	}
	return rows
}

func files(fs []bot.File) []*discordgo.File {
	var out []*discordgo.File
	for _, f := range fs {
		out = append(out, &discordgo.File{Name: f.Name, ContentType: f.ContentType, Reader: bytes.NewReader(f.Data)})
	}
	return out
}
