package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
)

// apiError names the Web API method that failed and turns Slack's rate
// limit (HTTP 429 with Retry-After) into the core's *bot.RateLimitedError,
// which makes the durable job that called snooze instead of fail.
func apiError(method string, err error) error {
	var limited *slack.RateLimitedError
	if errors.As(err, &limited) {
		return fmt.Errorf("%s: %w", method, &bot.RateLimitedError{RetryAfter: limited.RetryAfter})
	}
	if isRateLimited(err) { // a 429 without Retry-After
		return fmt.Errorf("%s: %w", method, &bot.RateLimitedError{})
	}
	return fmt.Errorf("%s: %w", method, err)
}

// gone says whether Slack's error means the message or conversation is gone
// or out of copbot's sight, which retrying will not change.
func gone(err error) bool {
	var resp slack.SlackErrorResponse
	if !errors.As(err, &resp) {
		return false
	}
	switch resp.Err {
	case "channel_not_found", "not_in_channel", "thread_not_found", "message_not_found", "is_archived", "access_denied":
		return true
	}
	return false
}

// channelPrivate says whether a channel is private: from what copbot has
// learned of it, or else from conversations.info, once. A reaction event
// carries only the channel's id, whose first letter is no reliable sign.
func (a *Adapter) channelPrivate(ctx context.Context, id string) (bool, error) {
	if private, known := a.channels.lookup(id); known {
		return private, nil
	}
	if strings.HasPrefix(id, "G") || strings.HasPrefix(id, "D") {
		return true, nil // older private channels, group DMs and DMs; only a C id may be either
	}
	ch, err := a.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	a.metrics.apiCall("conversations.info", err)
	if err != nil {
		return false, a.fetchError("conversations.info", err)
	}
	private := ch.IsPrivate || ch.IsIM || ch.IsMpIM
	a.channels.learn(id, private)
	return private, nil
}

// FetchMessage reads the message a reaction is about. conversations.history
// with latest = oldest = ts, inclusive, limit 1 returns the message when it
// is in the channel's main history. Thread replies are not in that history
// ("conversations.history returns only parent messages"), so when history
// has nothing the reply is read with conversations.replies, whose ts may be
// "either a thread's parent message or a message in the thread"
// (https://docs.slack.dev/reference/methods/conversations.replies); given a
// reply's own ts it returns that reply (slackapi/bolt-python#783 shows it
// returning only the reply). copbot bounds that call to the reply's
// timestamp too and picks the message whose ts matches, so a parent listed
// first cannot be taken for the reply.
func (a *Adapter) FetchMessage(ctx context.Context, _ bot.CommunityRef, channelID, messageID, threadID string) (bot.FetchedMessage, error) {
	var msg *slack.Message
	if threadID == "" || threadID == messageID {
		hist, err := a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channelID, Latest: messageID, Oldest: messageID, Inclusive: true, Limit: 1,
		})
		a.metrics.apiCall("conversations.history", err)
		if err != nil {
			return bot.FetchedMessage{}, a.fetchError("conversations.history", err)
		}
		msg = withTS(hist.Messages, messageID)
	}
	if msg == nil {
		msgs, _, _, err := a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channelID, Timestamp: messageID, Latest: messageID, Oldest: messageID, Inclusive: true, Limit: 2,
		})
		a.metrics.apiCall("conversations.replies", err)
		if err != nil {
			return bot.FetchedMessage{}, a.fetchError("conversations.replies", err)
		}
		msg = withTS(msgs, messageID)
	}
	if msg == nil {
		return bot.FetchedMessage{}, bot.ErrMessageGone
	}

	private, err := a.channelPrivate(ctx, channelID)
	if err != nil {
		return bot.FetchedMessage{}, err
	}
	fm := bot.FetchedMessage{Text: unescape(msg.Text), Private: private}
	if msg.ThreadTimestamp != "" && msg.ThreadTimestamp != msg.Timestamp {
		fm.ThreadID = msg.ThreadTimestamp
	}
	if msg.BotID != "" || msg.SubType == "bot_message" {
		fm.Author = bot.User{ID: msg.User, Name: msg.Username, IsBot: true}
		if fm.Author.ID == "" {
			fm.Author.ID = msg.BotID
		}
		if fm.Author.Name == "" && msg.BotProfile != nil {
			fm.Author.Name = msg.BotProfile.Name
		}
	} else {
		author, err := a.user(ctx, msg.User)
		var limited *bot.RateLimitedError
		if errors.As(err, &limited) {
			return bot.FetchedMessage{}, err
		}
		if err != nil {
			a.log.WarnContext(ctx, "slack message author unknown; saving the tip without a name",
				slog.String("user", msg.User), slog.Any("error", err))
		}
		fm.Author = author
	}

	link, err := a.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channelID, Ts: messageID})
	a.metrics.apiCall("chat.getPermalink", err)
	switch {
	case err == nil:
		fm.Permalink = link
	case isRateLimited(err):
		return bot.FetchedMessage{}, apiError("chat.getPermalink", err)
	default:
		a.log.WarnContext(ctx, "slack permalink not read; saving the tip without one",
			slog.String("channel", channelID), slog.String("ts", messageID), slog.Any("error", err))
	}
	return fm, nil
}

func (a *Adapter) fetchError(method string, err error) error {
	if gone(err) {
		return fmt.Errorf("%s: %w (%w)", method, bot.ErrMessageGone, err)
	}
	return apiError(method, err)
}

func withTS(msgs []slack.Message, ts string) *slack.Message {
	for i := range msgs {
		if msgs[i].Timestamp == ts {
			return &msgs[i]
		}
	}
	return nil
}

// Notify sends a notice: chat.postEphemeral for a notice to one member in a
// channel, chat.postMessage for the channel, and a DM (conversations.open,
// then chat.postMessage) when the notice names no channel. Files go with
// it, uploaded where everyone who sees the notice can see them (a DM to the
// member for ephemeral notices, since a file cannot be ephemeral).
func (a *Adapter) Notify(ctx context.Context, n bot.Notice) error {
	opts := msgOptions(n.Reply)
	channel := n.ChannelID
	var err error
	switch {
	case channel == "":
		if channel, err = a.openDM(ctx, n.UserID); err != nil {
			return err
		}
		err = a.post(ctx, channel, opts)
	case n.UserID != "" && n.Reply.Visibility == bot.Ephemeral:
		_, err = a.api.PostEphemeralContext(ctx, channel, n.UserID, opts...)
		a.metrics.apiCall("chat.postEphemeral", err)
		if err != nil {
			err = apiError("chat.postEphemeral", err)
		}
	default:
		err = a.post(ctx, channel, opts)
	}
	if err != nil {
		return err
	}
	return a.upload(ctx, channel, n.UserID, n.Reply)
}

func (a *Adapter) post(ctx context.Context, channel string, opts []slack.MsgOption) error {
	_, _, err := a.api.PostMessageContext(ctx, channel, opts...)
	a.metrics.apiCall("chat.postMessage", err)
	if err != nil {
		return apiError("chat.postMessage", err)
	}
	return nil
}

// openDM opens (or finds) the direct message between copbot and a member.
func (a *Adapter) openDM(ctx context.Context, userID string) (string, error) {
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	a.metrics.apiCall("conversations.open", err)
	if err != nil {
		return "", apiError("conversations.open", err)
	}
	return ch.ID, nil
}

// OpenConversation opens a group DM of the members and copbot
// (conversations.open with users=U1,U2; Slack allows up to eight). Slack
// shows no topic on group DMs that a bot could set with copbot's scopes, so
// topic is not used; the introduction posted there says what it is about.
func (a *Adapter) OpenConversation(ctx context.Context, _ bot.CommunityRef, _ string, userIDs []string, _ string) (string, error) {
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: userIDs})
	a.metrics.apiCall("conversations.open", err)
	if err != nil {
		return "", apiError("conversations.open", err)
	}
	return ch.ID, nil
}

// upload shares a reply's files with slack-go's UploadFileContext
// (files.getUploadURLExternal, the upload, files.completeUploadExternal):
// in the channel when the reply is for everyone there, otherwise in a DM
// with userID.
func (a *Adapter) upload(ctx context.Context, channel, userID string, r bot.Reply) error {
	if len(r.Files) == 0 {
		return nil
	}
	if r.Visibility == bot.Ephemeral && userID != "" && !strings.HasPrefix(channel, "D") {
		dm, err := a.openDM(ctx, userID)
		if err != nil {
			return err
		}
		channel = dm
	}
	var errs []error
	for _, f := range r.Files {
		_, err := a.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader: bytes.NewReader(f.Data), FileSize: len(f.Data), Filename: f.Name, Title: f.Name,
			AltTxt: f.AltText, Channel: channel,
		})
		a.metrics.apiCall("files.upload", err)
		if err != nil {
			errs = append(errs, apiError("upload "+f.Name, err))
		}
	}
	return errors.Join(errs...)
}

// learnPrivateChannels reads the private channels and group DMs copbot is a
// member of (users.conversations; groups:read and mpim:read), so that a
// reaction in a private channel is known to be private even when its id
// starts with C and no message there has been seen yet. Reactions reach
// copbot only from conversations it is in, so the list covers them; channels
// it joins later are learned from their messages. It waits out rate limits
// and gives up, logging, on any other error.
func (a *Adapter) learnPrivateChannels(ctx context.Context) {
	params := &slack.GetConversationsForUserParameters{Types: []string{"private_channel", "mpim"}, Limit: 200, ExcludeArchived: true}
	learned := 0
	for {
		chans, next, err := a.api.GetConversationsForUserContext(ctx, params)
		a.metrics.apiCall("users.conversations", err)
		var limited *slack.RateLimitedError
		switch {
		case errors.As(err, &limited):
			select {
			case <-time.After(max(limited.RetryAfter, time.Second)):
				continue
			case <-ctx.Done():
				return
			}
		case err != nil:
			if ctx.Err() == nil {
				a.log.WarnContext(ctx, "slack private channels not listed; a reaction in a private channel with a C id may be taken for public until a message there is seen",
					slog.Any("error", err))
			}
			return
		}
		for _, c := range chans {
			a.channels.learn(c.ID, true)
		}
		learned += len(chans)
		if next == "" {
			a.log.InfoContext(ctx, "slack private conversations learned", slog.Int("count", learned))
			return
		}
		params.Cursor = next
	}
}

// maxGuestChannelPages bounds the users.conversations pages read for one
// guest's command.
const maxGuestChannelPages = 10

// MemberChannels lists the channels a member (a guest) is in, among those
// copbot can see (users.conversations with user; public channels, and
// private ones copbot is in).
func (a *Adapter) MemberChannels(ctx context.Context, _ bot.CommunityRef, userID string) ([]string, error) {
	params := &slack.GetConversationsForUserParameters{UserID: userID, Types: []string{"public_channel", "private_channel"},
		Limit: 200, ExcludeArchived: true}
	ids := []string{}
	for range maxGuestChannelPages {
		chans, next, err := a.api.GetConversationsForUserContext(ctx, params)
		a.metrics.apiCall("users.conversations", err)
		if err != nil {
			return nil, apiError("users.conversations", err)
		}
		for _, c := range chans {
			ids = append(ids, c.ID)
		}
		if next == "" {
			break
		}
		params.Cursor = next
	}
	return ids, nil
}
