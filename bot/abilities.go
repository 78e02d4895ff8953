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
type Notice struct {
	Community CommunityRef
	ChannelID string
	// UserID, when set with an Ephemeral reply, is the one person who sees it.
	UserID string
	Reply  Reply
}

// Notifier delivers notices: confirmations of captured tips, introductions,
// reminders.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}
