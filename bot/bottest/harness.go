package bottest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
)

// Harness is what an adapter's test gives Exercise: its fake platform's
// fixtures and a way to start the adapter against it.
type Harness interface {
	// Setup names the fake platform's fixtures and what the adapter
	// cannot do; it is the same for every Start.
	Setup() Setup
	// Start starts a fresh adapter against a fresh fake platform, handing
	// every event the adapter translates to h, and stops both when t ends.
	Start(t *testing.T, h bot.Handler) Platform
}

// Setup is what the fake platform holds, in the platform's own ids.
type Setup struct {
	// Community is the community the fake platform holds.
	Community bot.CommunityRef
	// Channel is a public channel copbot is in, where acts happen.
	Channel string
	// User and Other are members of the community; Newcomer joins it.
	User, Other, Newcomer string
	// Emoji is a reaction's emoji as the adapter's events name it (Slack's
	// "bulb", Discord's "💡").
	Emoji string
	// Limits are the platform's limits on one message, as the adapter
	// defines them.
	Limits Limits
	// Lacks maps what the adapter cannot do to why; Exercise logs the
	// reason instead of checking.
	Lacks map[Ability]string
}

// Limits bound one message on a platform; 0 means no limit.
type Limits struct {
	// Blocks is the most layout blocks one message may have where the
	// platform counts them: Slack's blocks, Discord's rows of buttons.
	Blocks int
}

// Ability is something an adapter may lack, named for the logs.
type Ability string

// The abilities Exercise checks that a platform may lack.
const (
	// Signature: every delivery is signed, and a forged one is refused.
	Signature Ability = "signed deliveries"
	// Buttons: a reply's buttons can be pressed.
	Buttons Ability = "buttons to press"
	// Mentions: messages can mention, ping and link; without it Exercise
	// still checks that user text has no effect at all.
	Mentions Ability = "mentions, pings and links"
	// HugeReplies: a reply of hugeReply characters arrives whole.
	HugeReplies Ability = "replies of 100,000 characters"
)

// Event is the ability to deliver events of a kind.
func Event(kind bot.EventKind) Ability { return Ability(kind.String() + " events") }

// Platform is a running adapter and its fake platform, as people and the
// platform's reader see them.
type Platform interface {
	// Adapter is the running adapter; Exercise finds its optional
	// abilities (bot.Notifier) by type assertion.
	Adapter() bot.Adapter
	// Post has author post text in Setup.Channel and returns the
	// message's id as the adapter's events name it. A new message is not
	// an event copbot takes; reactions, edits and deletions name it.
	Post(t *testing.T, author, text string) string
	// Do delivers act to the adapter as the platform's own wire payload (a
	// signed request, a gateway dispatch, a console line).
	Do(t *testing.T, act Act)
	// Forge delivers act as Do does, but unsigned or signed with the wrong
	// key; the harness checks the platform's answer says refused.
	Forge(t *testing.T, act Act)
	// Press has user press button i of m, as the platform reports a press.
	Press(t *testing.T, m Message, i int, user string)
	// Sent is every message copbot has sent to the platform so far, in
	// order, by whatever path: answers to commands and presses, notices,
	// direct messages.
	Sent(t *testing.T) []Message
	// Effects reads text as the platform would and lists what it would act
	// on, written "@<user id>", "@everyone", "@here", "@channel",
	// "@&<role or group id>", "#<channel id>", "link:<url>" (a link under
	// a label of its own) or "control" (a character a terminal obeys).
	// Plain words, and web addresses shown as themselves, are no effect.
	Effects(text string) []string
	// Display is text as a person reads it: the platform's escapes undone
	// and the syntax of its markup gone.
	Display(text string) string
}

// Act is something a person does on the platform; its Kind is the event
// it should make.
type Act struct {
	Kind bot.EventKind
	// User does it; for an edit or a deletion, the message's author.
	User string
	// Text is a command's text after "/cop", or an edited message's new text.
	Text string
	// Emoji is a reaction's emoji (Setup.Emoji).
	Emoji string
	// Message is what a reaction, edit or deletion is about: an id Post
	// returned.
	Message string
}

// Message is one message copbot sent, as the platform received it.
type Message struct {
	Where Where
	Parts []Part
	// Buttons are the message's buttons, in order.
	Buttons []Button
	// Blocks counts its layout blocks where the platform limits them
	// (Limits.Blocks).
	Blocks int
}

// Where says who sees a message.
type Where struct {
	// Channel is where the message is; "" for a direct message.
	Channel string
	// User is the only member who sees it (in Channel, or in a direct
	// message with copbot); "" when everyone in Channel does.
	User string
}

// String says who sees the message, for failure reports.
func (w Where) String() string {
	switch {
	case w.Channel == "":
		return fmt.Sprintf("a direct message to %s", w.User)
	case w.User == "":
		return fmt.Sprintf("everyone in %s", w.Channel)
	}
	return fmt.Sprintf("only %s, in %s", w.User, w.Channel)
}

// Part is one piece of a message's text as the platform took it.
type Part struct {
	Text string
	// Max is the most characters the platform takes there; 0 for no limit.
	Max int
	// Shadow marks text shown only in notifications (Slack's fallback
	// text beside blocks): held to Max and to inertness, but not read as
	// the message.
	Shadow bool
}

// Button is a button as rendered.
type Button struct {
	Label string
	// Key is what the platform sends back when the button is pressed
	// (Slack's action id and value, Discord's custom_id).
	Key string
}

// Text is the message as read: its parts that are not shadows, a line
// each.
func (m Message) Text() string {
	var parts []string
	for _, p := range m.Parts {
		if !p.Shadow {
			parts = append(parts, p.Text)
		}
	}
	return strings.Join(parts, "\n")
}
