package discord

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/bot"
)

// channelLookupTimeout bounds the REST call for a channel the gateway has
// not described (a thread), made while dispatches wait.
const channelLookupTimeout = 2 * time.Second

// translate turns a gateway dispatch into core events: none for those
// copbot does not use (and for anything outside a guild), one for most,
// one per message for a bulk deletion. The caller sets the events' ids.
func (a *Adapter) translate(ctx context.Context, e *discordgo.Event) []*bot.Event {
	now := a.opts.Now()
	switch v := e.Struct.(type) {
	case *discordgo.MessageDeleteBulk:
		if v.GuildID == "" {
			return nil
		}
		out := make([]*bot.Event, len(v.Messages))
		for i, id := range v.Messages {
			out[i] = &bot.Event{Kind: bot.MessageDeleted, Community: a.community(v.GuildID), Time: now,
				Channel: bot.Channel{ID: v.ChannelID}, Message: bot.MessageRef{ID: id}}
		}
		return out
	case *discordgo.MessageReactionRemoveAll:
		if v.MessageReaction == nil || v.GuildID == "" {
			return nil
		}
		return one(&bot.Event{Kind: bot.ReactionsCleared, Community: a.community(v.GuildID), Time: now,
			Channel: bot.Channel{ID: v.ChannelID}, Message: bot.MessageRef{ID: v.MessageID}})
	case *discordgo.ChannelDelete:
		return a.channelDeleted(v.Channel, now)
	case *discordgo.ThreadDelete:
		return a.channelDeleted(v.Channel, now)
	case nil:
		return a.translateRaw(e, now)
	}
	return one(a.translateOne(ctx, e.Struct, now))
}

// reactionRemoveEmoji is MESSAGE_REACTION_REMOVE_EMOJI, which discordgo
// does not decode: every reaction with one emoji taken off a message.
type reactionRemoveEmoji struct {
	GuildID   string          `json:"guild_id"`
	ChannelID string          `json:"channel_id"`
	MessageID string          `json:"message_id"`
	Emoji     discordgo.Emoji `json:"emoji"`
}

// translateRaw translates the dispatches discordgo leaves undecoded.
func (a *Adapter) translateRaw(e *discordgo.Event, now time.Time) []*bot.Event {
	if e.Type != "MESSAGE_REACTION_REMOVE_EMOJI" {
		return nil
	}
	var v reactionRemoveEmoji
	if err := json.Unmarshal(e.RawData, &v); err != nil || v.GuildID == "" {
		return nil
	}
	return one(&bot.Event{Kind: bot.ReactionsCleared, Community: a.community(v.GuildID), Time: now,
		Channel: bot.Channel{ID: v.ChannelID}, Emoji: emojiName(v.Emoji), Message: bot.MessageRef{ID: v.MessageID}})
}

// channelDeleted is a deleted channel or thread, with every message in it.
func (a *Adapter) channelDeleted(ch *discordgo.Channel, now time.Time) []*bot.Event {
	if ch == nil || ch.GuildID == "" {
		return nil
	}
	return one(&bot.Event{Kind: bot.ChannelDeleted, Community: a.community(ch.GuildID), Time: now,
		Channel: bot.Channel{ID: ch.ID, Name: ch.Name}})
}

func one(ev *bot.Event) []*bot.Event {
	if ev == nil {
		return nil
	}
	return []*bot.Event{ev}
}

// translateOne translates the dispatches that make one event each.
func (a *Adapter) translateOne(ctx context.Context, v any, now time.Time) *bot.Event {
	switch v := v.(type) {
	case *discordgo.MessageReactionAdd:
		if v.MessageReaction == nil || v.GuildID == "" {
			return nil
		}
		return &bot.Event{Kind: bot.ReactionAdded, Community: a.community(v.GuildID), Time: now,
			User:    a.reactor(v.GuildID, v.UserID, v.Member),
			Channel: a.channel(ctx, v.GuildID, v.ChannelID), Emoji: emojiName(v.Emoji),
			Message: bot.MessageRef{ID: v.MessageID}}
	case *discordgo.MessageReactionRemove:
		if v.MessageReaction == nil || v.GuildID == "" {
			return nil
		}
		return &bot.Event{Kind: bot.ReactionRemoved, Community: a.community(v.GuildID), Time: now,
			User:    a.reactor(v.GuildID, v.UserID, nil),
			Channel: a.channel(ctx, v.GuildID, v.ChannelID), Emoji: emojiName(v.Emoji),
			Message: bot.MessageRef{ID: v.MessageID}}
	case *discordgo.MessageUpdate:
		// Only a real edit with its text: Discord also sends updates when it
		// adds link previews, and without the message content intent the
		// text is empty. Neither may overwrite a tip.
		m := v.Message
		if m == nil || m.GuildID == "" || m.EditedTimestamp == nil || m.Content == "" {
			return nil
		}
		return &bot.Event{Kind: bot.MessageEdited, Community: a.community(m.GuildID), Time: now,
			Channel: bot.Channel{ID: m.ChannelID},
			Message: bot.MessageRef{ID: m.ID, Text: m.Content, Author: a.user(m.GuildID, m.Member, m.Author)}}
	case *discordgo.MessageDelete:
		m := v.Message
		if m == nil || m.GuildID == "" {
			return nil
		}
		return &bot.Event{Kind: bot.MessageDeleted, Community: a.community(m.GuildID), Time: now,
			Channel: bot.Channel{ID: m.ChannelID}, Message: bot.MessageRef{ID: m.ID}}
	case *discordgo.GuildMemberAdd:
		if v.Member == nil || v.User == nil || v.GuildID == "" {
			return nil
		}
		at := now
		if !v.JoinedAt.IsZero() {
			at = v.JoinedAt
		}
		return &bot.Event{Kind: bot.MemberJoined, Community: a.community(v.GuildID), Time: at,
			User: a.user(v.GuildID, v.Member, v.User)}
	}
	return nil
}

// reactor is the member who reacted. A removal names only their id, so
// whether they may manage the server is unknown there and reported as no.
func (a *Adapter) reactor(guildID, userID string, m *discordgo.Member) bot.User {
	if m != nil && m.User != nil {
		return a.user(guildID, m, nil)
	}
	return bot.User{ID: userID}
}

// emojiName is how the core sees a reaction: a standard emoji as its
// character ("💡"), which the core matches to names like "bulb", and a
// custom emoji by its name.
func emojiName(e discordgo.Emoji) string { return e.Name }

// channel describes a channel from the cache, asking Discord for one it
// has not seen (a thread created before copbot connected). A channel it
// cannot learn about counts as private: capturing from it is then up to a
// facilitator's allow.
func (a *Adapter) channel(ctx context.Context, guildID, channelID string) bot.Channel {
	if name, private, ok := a.guilds.channel(guildID, channelID); ok {
		return bot.Channel{ID: channelID, Name: name, Private: private}
	}
	ctx, cancel := context.WithTimeout(ctx, channelLookupTimeout)
	defer cancel()
	ch, err := a.api.Channel(channelID, discordgo.WithContext(ctx))
	if err == nil && ch.ParentID != "" && ch.IsThread() {
		var parent *discordgo.Channel
		if parent, err = a.api.Channel(ch.ParentID, discordgo.WithContext(ctx)); err == nil {
			a.guilds.learnChannel(parent)
		}
	}
	if err == nil {
		a.guilds.learnChannel(ch)
		if name, private, ok := a.guilds.channel(guildID, channelID); ok {
			return bot.Channel{ID: channelID, Name: name, Private: private}
		}
	}
	a.log.WarnContext(ctx, "discord channel unknown; treating it as private", slog.String("channel", channelID), slog.Any("error", err))
	return bot.Channel{ID: channelID, Private: true}
}
