package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
)

// Slack's limits on what copbot renders.
const (
	// sectionMax is the most characters a section block's text may have.
	sectionMax = 3000
	// maxBlocks is the most blocks a message may have.
	maxBlocks = 50
	// buttonsPerBlock is the most elements an actions block may have.
	buttonsPerBlock = 25
	// labelMax is the most characters of a button's label.
	labelMax = 75
)

// actionPrefix starts the action_id of every button copbot renders, so that
// clicks on anything else are left alone.
const actionPrefix = "cop-"

// escape makes text inert in Slack's mrkdwn: &, < and > are the characters
// Slack reads as control sequences (<@U…>, <!channel>, <url|label>), so
// escaped they show as typed and nothing they spell takes effect. copbot's
// own markup (*bold*, `code`, lines) uses none of them, so it goes through
// the same escaping: its usage lines ("/cop tag <tip>") must show their
// angle brackets too.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// escapeURL keeps a URL from ending the <url|label> sequence it sits in.
var escapeURL = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace

// mrkdwn renders copbot's text for Slack. Copbot never sets link_names, so
// a plain "@everyone" or "@here" stays text as well.
func mrkdwn(t bot.Text) string {
	return t.Render(escape, escape, mention, link)
}

// maxMentionID bounds what mention takes for a Slack id (a letter and a
// dozen characters in practice), so that a mention is never long enough to
// be split across two sections of a long reply.
const maxMentionID = 40

// mention renders a deliberate mention; anything that is not a Slack id is
// shown as text.
func mention(id string) string {
	if id == "" || len(id) > maxMentionID || strings.IndexFunc(id, func(r rune) bool { return !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') }) >= 0 {
		return escape("@" + id)
	}
	return "<@" + id + ">"
}

// link renders <url|label> for a web address. Slack takes the label to
// start after the first "|", and the label is escaped like any user text;
// a "|" in the label is shown as "∣" so that no reading of the sequence can
// take part of the label for the URL. Anything else in the URL's place
// (an imported tip's permalink is whatever the file said) is shown as
// text: inside angle brackets "!here", "@U1" or "#C1" would be a ping or
// a mention, not a link.
func link(label, url string) string {
	if url == "" {
		return escape(label)
	}
	if !isWebAddress(url) {
		return escape(strings.TrimSpace(label+" ("+url) + ")")
	}
	if label == "" {
		return "<" + escapeURL(url) + ">"
	}
	return "<" + escapeURL(url) + "|" + strings.ReplaceAll(escape(label), "|", "∣") + ">"
}

// isWebAddress reports whether s is an http or https URL.
func isWebAddress(s string) bool {
	scheme, rest, ok := strings.Cut(s, "://")
	return ok && rest != "" && (strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "http"))
}

// rendered is a reply in Slack's terms: mrkdwn text, and blocks when the
// reply has buttons (the text is then the notification's fallback).
type rendered struct {
	text   string
	blocks []slack.Block
}

func render(r bot.Reply) rendered {
	text := mrkdwn(r.Text)
	if len(r.Buttons) == 0 {
		return rendered{text: text}
	}
	parts := splitText(text, sectionMax)
	if room := maxBlocks - (len(r.Buttons)+buttonsPerBlock-1)/buttonsPerBlock; len(parts) > room {
		parts = append(parts[:room-1], "…") // no room for the rest
	}
	blocks := make([]slack.Block, 0, len(parts)+1)
	for _, part := range parts {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, part, false, false), nil, nil))
	}
	var buttons []slack.BlockElement
	for i, b := range r.Buttons {
		label := b.Label
		if utf8.RuneCountInString(label) > labelMax {
			label = string([]rune(label)[:labelMax-1]) + "…"
		}
		btn := slack.NewButtonBlockElement(actionPrefix+strconv.Itoa(i), b.Command,
			slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
		switch b.Style {
		case "primary":
			btn.Style = slack.StylePrimary
		case "danger":
			btn.Style = slack.StyleDanger
		}
		buttons = append(buttons, btn)
		if len(buttons) == buttonsPerBlock || i == len(r.Buttons)-1 {
			blocks = append(blocks, slack.NewActionBlock("", buttons...))
			buttons = nil
		}
	}
	// The fallback shows in notifications; the first section is plenty.
	return rendered{text: parts[0], blocks: blocks}
}

// splitText cuts rendered mrkdwn into pieces of at most max bytes (so at
// most max characters): at a line break where there is one, else at a
// space (the break itself is dropped), and never inside a <…> sequence, an
// &…; entity or a character, unless the sequence alone is longer than max.
func splitText(s string, max int) []string {
	var parts []string
	for len(s) > max {
		cut := strings.LastIndexByte(s[:max+1], '\n')
		if cut <= 0 {
			cut = strings.LastIndexByte(s[:max+1], ' ')
		}
		if cut <= 0 {
			cut = max
		}
		cut = safeCut(s, cut)
		parts = append(parts, s[:cut])
		s = s[cut:]
		if s[0] == '\n' || s[0] == ' ' {
			s = s[1:]
		}
	}
	return append(parts, s)
}

// safeCut moves a cut back out of a <…> sequence, an entity or a UTF-8
// sequence it would split; it never returns less than 1.
func safeCut(s string, cut int) int {
	if open := strings.LastIndexByte(s[:cut], '<'); open >= 0 && strings.IndexByte(s[open:cut], '>') < 0 && open > 0 {
		cut = open
	}
	if amp := strings.LastIndexByte(s[:cut], '&'); amp >= 0 && cut-amp < 6 && strings.IndexByte(s[amp:cut], ';') < 0 && amp > 0 {
		cut = amp
	}
	for cut > 1 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return cut
}

// webhookMessage is a reply as a slash command's response (the HTTP
// response body, the Socket Mode acknowledgement's payload, or a POST to
// the response_url), never replacing the message it answers.
func webhookMessage(r bot.Reply) *slack.WebhookMessage {
	rd := render(r)
	m := &slack.WebhookMessage{Text: rd.text, ResponseType: slack.ResponseTypeEphemeral}
	if r.Visibility == bot.InChannel {
		m.ResponseType = slack.ResponseTypeInChannel
	}
	if rd.blocks != nil {
		m.Blocks = &slack.Blocks{BlockSet: rd.blocks}
	}
	return m
}

// msgOptions is a reply as chat.postMessage and chat.postEphemeral take it.
func msgOptions(r bot.Reply) []slack.MsgOption {
	rd := render(r)
	opts := []slack.MsgOption{slack.MsgOptionText(rd.text, false)}
	if rd.blocks != nil {
		opts = append(opts, slack.MsgOptionBlocks(rd.blocks...))
	}
	return opts
}
