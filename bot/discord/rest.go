package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/bot"
)

// maxDMChannels bounds the remembered direct-message channels.
const maxDMChannels = 10000

// FetchMessage reads a message for a capture, with its jump link. A 429 is
// returned at once as a *bot.RateLimitedError (the capture job waits, not
// this call); a message that is gone or hidden from copbot is
// bot.ErrMessageGone. Without the message content intent Discord returns
// messages without their text: the tip then keeps only its link, and the
// adapter says once, clearly, how to fix that.
func (a *Adapter) FetchMessage(ctx context.Context, community bot.CommunityRef, channelID, messageID, _ string) (bot.FetchedMessage, error) {
	m, err := a.api.ChannelMessage(channelID, messageID, discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
	var limited *discordgo.RateLimitError
	var rest *discordgo.RESTError
	switch {
	case errors.As(err, &limited):
		return bot.FetchedMessage{}, &bot.RateLimitedError{RetryAfter: limited.RetryAfter}
	case errors.As(err, &rest) && rest.Response != nil &&
		(rest.Response.StatusCode == http.StatusNotFound || rest.Response.StatusCode == http.StatusForbidden):
		return bot.FetchedMessage{}, bot.ErrMessageGone
	case err != nil:
		return bot.FetchedMessage{}, fmt.Errorf("get discord message %s: %w", messageID, err)
	}
	if m.Content == "" && len(m.Attachments) == 0 && len(m.Embeds) == 0 && len(m.StickerItems) == 0 && !a.contentShown.Swap(true) {
		a.log.ErrorContext(ctx, "Discord sent a message without its text: enable the Message Content intent at https://discord.com/developers/applications/"+
			a.opts.AppID+"/bot; until then tips saved by reaction keep only their link", slog.String("message", messageID))
	}
	author := bot.User{}
	if m.Author != nil {
		author = a.user(community.ExternalID, nil, m.Author)
		author.IsBot = m.Author.Bot || m.WebhookID != ""
	}
	return bot.FetchedMessage{Text: m.Content, Author: author,
		Permalink: "https://discord.com/channels/" + community.ExternalID + "/" + channelID + "/" + messageID}, nil
}

// Notify sends a notice. Discord has no ephemeral message outside an
// interaction, so a notice for one member's eyes only (a capture's
// confirmation) goes to them as a direct message, like one with no channel.
func (a *Adapter) Notify(ctx context.Context, n bot.Notice) error {
	channelID := n.ChannelID
	if channelID == "" || (n.UserID != "" && n.Reply.Visibility == bot.Ephemeral) {
		if n.UserID == "" {
			return errors.New("discord notice names neither a channel nor a user")
		}
		dm, err := a.dmChannel(ctx, n.UserID)
		if err != nil {
			return err
		}
		channelID = dm
	}
	// Its buttons may be pressed in a direct message, which names no server.
	return a.sendMessages(ctx, channelID, messagesIn(n.Reply, n.Community.ExternalID))
}

// sendDirect sends messages to a user's direct-message channel.
func (a *Adapter) sendDirect(ctx context.Context, userID string, msgs []message) error {
	dm, err := a.dmChannel(ctx, userID)
	if err != nil {
		return err
	}
	return a.sendMessages(ctx, dm, msgs)
}

func (a *Adapter) sendMessages(ctx context.Context, channelID string, msgs []message) error {
	for _, m := range msgs {
		_, err := a.api.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Content: m.content, Components: m.components,
			Files: m.files, AllowedMentions: noMentions()}, discordgo.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("send discord message to %s: %w", channelID, err)
		}
	}
	return nil
}

// dmChannel opens (or recalls) the direct-message channel with a user.
func (a *Adapter) dmChannel(ctx context.Context, userID string) (string, error) {
	if id, ok := a.dms.Load(userID); ok {
		return id.(string), nil
	}
	ch, err := a.api.UserChannelCreate(userID, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("open discord DM with %s: %w", userID, err)
	}
	if a.dmCount.Add(1) > maxDMChannels {
		a.dms.Clear()
		a.dmCount.Store(1)
	}
	a.dms.Store(userID, ch.ID)
	return ch.ID, nil
}

// OpenConversation starts a private thread under fromChannelID and adds
// the members: bots cannot open group DMs on Discord.
func (a *Adapter) OpenConversation(ctx context.Context, _ bot.CommunityRef, fromChannelID string, userIDs []string, topic string) (string, error) {
	name := topic
	if name == "" {
		name = "copbot"
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:99]) + "…"
	}
	th, err := a.api.ThreadStartComplex(fromChannelID, &discordgo.ThreadStart{Name: name, Type: discordgo.ChannelTypeGuildPrivateThread,
		AutoArchiveDuration: 10080, Invitable: false}, discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("start discord thread in %s: %w", fromChannelID, err)
	}
	for _, u := range userIDs {
		if err := a.api.ThreadMemberAdd(th.ID, u, discordgo.WithContext(ctx)); err != nil {
			return th.ID, fmt.Errorf("add %s to discord thread %s: %w", u, th.ID, err)
		}
	}
	return th.ID, nil
}

// Register overwrites the application's commands with /cop: in one guild
// (at once) or, with guildID empty, globally (Discord may take a while to
// show them everywhere).
func (a *Adapter) Register(ctx context.Context, guildID string) ([]*discordgo.ApplicationCommand, error) {
	cmds, err := a.api.ApplicationCommandBulkOverwrite(a.opts.AppID, guildID, Commands(), discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("register discord commands: %w", err)
	}
	return cmds, nil
}

// FindChannel finds a server's channel by a typed name, from the guild
// data the gateway keeps.
func (a *Adapter) FindChannel(_ context.Context, community bot.CommunityRef, name string) (bot.Channel, bool, error) {
	id, ok := a.guilds.channelNamed(community.ExternalID, name)
	if !ok {
		return bot.Channel{}, false, nil
	}
	_, private, _ := a.guilds.channel(community.ExternalID, id)
	return bot.Channel{ID: id, Name: name, Private: private}, true, nil
}
