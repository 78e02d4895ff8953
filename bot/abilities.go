package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Optional abilities of an adapter, discovered by type assertion: the core
// uses them when the adapter has them.

// FetchedMessage is a message an adapter fetched for a capture.
type FetchedMessage struct {
	Text      string
	Author    User
	Permalink string
	// ThreadID is the thread's root when the message is a reply.
	ThreadID string
	// Private is true when the platform says the message's channel is
	// private (a private channel, group DM or DM). The capture checks it
	// again, since an event may not say: the tip is dropped unless a
	// facilitator allowed the channel.
	Private bool
}

// MessageFetcher fetches the message a reaction is about, for platforms
// whose reaction events carry no text (Slack, Discord).
type MessageFetcher interface {
	FetchMessage(ctx context.Context, community CommunityRef, channelID, messageID, threadID string) (FetchedMessage, error)
}

// ErrMessageGone says the message no longer exists or copbot cannot see it;
// retrying will not help.
var ErrMessageGone = errors.New("message not found")

// RateLimitedError says the platform asked copbot to wait before calling again.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited; retry after %s", e.RetryAfter)
}

// Notice is a message copbot sends on its own, outside a command's reply.
// Where it goes follows from ChannelID and UserID:
//
//   - ChannelID set, UserID set, Reply.Visibility Ephemeral: only UserID sees
//     it, in that channel (a capture's confirmation);
//   - ChannelID set otherwise: posted in the channel for everyone (a reminder,
//     an introduction in a conversation opened with ConversationOpener);
//   - ChannelID empty: a direct message to UserID.
type Notice struct {
	Community CommunityRef
	ChannelID string
	UserID    string
	Reply     Reply
}

// Notifier delivers notices: confirmations of captured tips, introductions,
// reminders.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// ConversationOpener opens a private conversation between some members and
// copbot, for introductions (a mentor and a mentee). Slack opens a group DM;
// Discord, which has no group DMs for bots, a private thread under
// fromChannelID. Topic names the conversation where the platform shows one.
// The returned channel id is what a Notice's ChannelID takes. On an error,
// a non-empty id is a conversation that was opened all the same, with
// someone missing from it: the caller writes to each person instead.
type ConversationOpener interface {
	OpenConversation(ctx context.Context, community CommunityRef, fromChannelID string, userIDs []string, topic string) (channelID string, err error)
}

// ChannelFinder finds a channel by the name a person typed ("#random"
// written out rather than picked, which the platform sends as plain text),
// so that a setting names the channel itself. found is false when the
// community has no channel of that name that copbot can see. Platforms
// whose typed names cannot be looked up cheaply (Slack) do without it, and
// copbot asks people to pick the channel instead.
type ChannelFinder interface {
	FindChannel(ctx context.Context, community CommunityRef, name string) (ch Channel, found bool, err error)
}

// MemberChannelLister lists the channels a member is in, as far as copbot
// can see them, so that a workspace's guest sees only tips from those
// channels when facilitators allow guests that much.
type MemberChannelLister interface {
	MemberChannels(ctx context.Context, community CommunityRef, userID string) ([]string, error)
}
