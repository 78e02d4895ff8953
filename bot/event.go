package bot

import "time"

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
)

var eventKindNames = map[EventKind]string{
	Command: "command", ReactionAdded: "reaction_added", ReactionRemoved: "reaction_removed",
	MemberJoined: "member_joined", MessageEdited: "message_edited", MessageDeleted: "message_deleted",
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
}
