package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// EventKind says what happened on the platform.
type EventKind int

// The kinds of event the core understands.
const (
	// Command is a /cop command; Event.Text holds what followed "/cop".
	Command EventKind = iota + 1
	// ReactionAdded and ReactionRemoved carry Emoji and Message.
	ReactionAdded
	ReactionRemoved
	// MemberJoined says User joined the community (or a watched channel).
	MemberJoined
	// MessageEdited carries Message with its new Text; MessageDeleted, Message.
	MessageEdited
	MessageDeleted
	// ReactionsCleared says a message's reactions were taken off at once
	// (by a moderator): every reaction when Emoji is empty, else those with
	// Emoji. It carries Channel and Message.
	ReactionsCleared
	// ChannelDeleted says Channel was deleted, with every message in it.
	ChannelDeleted
)

var eventKindNames = map[EventKind]string{
	Command: "command", ReactionAdded: "reaction_added", ReactionRemoved: "reaction_removed",
	MemberJoined: "member_joined", MessageEdited: "message_edited", MessageDeleted: "message_deleted",
	ReactionsCleared: "reactions_cleared", ChannelDeleted: "channel_deleted",
}

// String names the kind for logs and metrics.
func (k EventKind) String() string {
	if s, ok := eventKindNames[k]; ok {
		return s
	}
	return "unknown"
}

// User is a person (or bot) as the platform identifies them.
type User struct {
	// ID is the platform's user id: a Slack "U…" id, a Discord snowflake, or
	// the console name.
	ID   string
	Name string
	// IsBot marks bot accounts; their messages are never captured.
	IsBot bool
	// IsAdmin is the platform's own say that the user runs the community
	// (Slack workspace admin or owner, Discord Manage Server); such users are
	// facilitators by default.
	IsAdmin bool
	// IsGuest marks a workspace's guests (Slack's single- and multi-channel
	// guests), who see only what facilitators let guests see.
	IsGuest bool
	// ProfileUnknown says the platform could not tell this time whether the
	// user is an admin or a guest (its lookup failed): IsAdmin and IsGuest
	// mean nothing then, and the core keeps what it knew rather than demote
	// an admin or promote a guest.
	ProfileUnknown bool
}

// Channel is where an event happened.
type Channel struct {
	ID   string
	Name string
	// Private is true for private channels, group DMs and DMs.
	Private bool
}

// MessageRef identifies a platform message an event is about.
type MessageRef struct {
	ID string
	// ThreadID is the thread's root message id when the message is a reply.
	ThreadID string
	// Author is who wrote the message, when the platform says so.
	Author User
	// Text is the message text, when the event carries it (edits do; Slack
	// reactions do not).
	Text string
}

// Event is one thing that happened on a platform, translated.
type Event struct {
	// ID is the platform's identity for this delivery (Slack event_id, Discord
	// interaction id, …); retries of the same event carry the same ID, which
	// is what makes handling idempotent.
	ID        string
	Kind      EventKind
	Community CommunityRef
	User      User
	Channel   Channel
	Time      time.Time
	// Text is the command text after "/cop" for Command events.
	Text string
	// Emoji is the reaction's emoji name ("bulb", or a custom emoji's name).
	Emoji   string
	Message MessageRef
	// Mentions are the user ids the platform itself marked as mentioned in
	// a command's Text, as opposed to text typed to look like a mention;
	// nil when the adapter cannot tell them apart. A member copbot has
	// never seen is created only from these.
	Mentions []string
}

// ErrNotText is Event.Check's answer for an event holding a string that is
// not UTF-8 or holds a NUL byte: PostgreSQL stores neither, and no person
// can type them.
var ErrNotText = errors.New("a string of the event is not UTF-8 text or holds a NUL byte")

// Check says why the core cannot take an event, or returns nil. An event
// needs its delivery's ID and its community; a command and a join need the
// user; a reaction the user, the emoji, the channel and the message; an
// edit or deletion the message; a clear the channel and the message; a
// deleted channel the channel. Every string must be text (ErrNotText).
// Adapters check what they translate and refuse what fails as malformed:
// handed to the core, such an event would fail to be recorded, and the
// platform would deliver it again and again.
func (ev *Event) Check() error {
	var missing []string
	need := func(name, v string) {
		if v == "" {
			missing = append(missing, name)
		}
	}
	need("id", ev.ID)
	need("community", ev.Community.ExternalID)
	switch ev.Kind {
	case Command, MemberJoined:
		need("user", ev.User.ID)
	case ReactionAdded, ReactionRemoved:
		need("user", ev.User.ID)
		need("emoji", ev.Emoji)
		need("channel", ev.Channel.ID)
		need("message", ev.Message.ID)
	case MessageEdited, MessageDeleted:
		need("message", ev.Message.ID)
	case ReactionsCleared:
		need("channel", ev.Channel.ID)
		need("message", ev.Message.ID)
	case ChannelDeleted:
		need("channel", ev.Channel.ID)
	default:
		return fmt.Errorf("event of unknown kind %d", ev.Kind)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s event without %s", ev.Kind, strings.Join(missing, ", "))
	}
	for _, s := range []string{ev.ID, ev.Community.ExternalID, ev.User.ID, ev.User.Name, ev.Channel.ID, ev.Channel.Name,
		ev.Text, ev.Emoji, ev.Message.ID, ev.Message.ThreadID, ev.Message.Author.ID, ev.Message.Author.Name, ev.Message.Text} {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return ErrNotText
		}
	}
	return nil
}
