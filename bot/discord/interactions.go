package discord

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/bot"
)

// interactionLifetime is how long an interaction's token lets copbot edit
// its answer (Discord allows 15 minutes).
const interactionLifetime = 14 * time.Minute

// outMessage is one message of an answer, with who may see it.
type outMessage struct {
	message
	ephemeral bool
}

// interactionEvent turns a /cop command or a press of a copbot button into
// a Command event from the member who used it. When copbot cannot serve the
// interaction it returns a reply saying why instead; both are nil for kinds
// of interaction copbot never asks for. It fails for an interaction that
// names no user, and with bot.ErrNotText for one whose text is not text.
func (a *Adapter) interactionEvent(i *discordgo.Interaction) (*bot.Event, *bot.Reply, error) {
	var text string
	var mentions []string
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		data := i.ApplicationCommandData()
		mentions = []string{} // only the user options' members, resolved by Discord
		if data.Resolved != nil {
			for id := range data.Resolved.Users {
				mentions = append(mentions, id)
			}
			slices.Sort(mentions)
		}
		if data.Name != "cop" {
			return nil, &bot.Reply{Text: bot.Plain("That command is not copbot's; try `/cop help`.")}, nil
		}
		t, err := commandText(data)
		if err != nil {
			a.log.Warn("discord command not understood", slog.String("interaction", i.ID), slog.Any("error", err))
			a.metrics.eventRejected("malformed")
			return nil, &bot.Reply{Text: bot.Plain("I could not read that command; try `/cop help`.")}, nil
		}
		text = t
	case discordgo.InteractionMessageComponent:
		cmd, guild, ok := buttonCommand(i.MessageComponentData().CustomID)
		if !ok {
			return nil, &bot.Reply{Text: bot.Plain("That button is not copbot's.")}, nil
		}
		text = cmd
		if i.GuildID == "" && guild != "" {
			return a.directButton(i, guild, text)
		}
	default:
		return nil, nil, nil
	}
	if i.GuildID == "" {
		return nil, &bot.Reply{Text: bot.Plain("copbot works inside a server: use `/cop` in one of its channels.")}, nil
	}
	ev := &bot.Event{
		ID: "interaction:" + i.ID, Kind: bot.Command, Community: a.community(i.GuildID),
		User:    a.user(i.GuildID, i.Member, i.User),
		Channel: bot.Channel{ID: i.ChannelID},
		Time:    a.opts.Now(), Text: text, Mentions: mentions,
	}
	if err := ev.Check(); errors.Is(err, bot.ErrNotText) {
		a.metrics.eventRejected("malformed")
		return nil, &bot.Reply{Text: bot.Plain("I could not read that command: it holds characters that are not text. Try `/cop help`.")}, nil
	} else if err != nil {
		return nil, nil, err
	}
	ev.Channel.Name, ev.Channel.Private, _ = a.guilds.channel(i.GuildID, i.ChannelID)
	return ev, nil, nil
}

// finisher delivers what a first response could not carry (the reply after
// a deferral, further messages, files); answered says whether the first
// response reached Discord. When it did not, the command ran all the same,
// and the member gets every message by direct message rather than nothing:
// a member who sees no answer types the command again.
type finisher func(ctx context.Context, answered bool)

// answer runs a command through the core and decides the first response
// within AckWithin: the reply itself when the core is quick, otherwise a
// deferred response. finish must run after the first response is sent.
func (a *Adapter) answer(ctx context.Context, h bot.Handler, i *discordgo.Interaction, ev *bot.Event) (*discordgo.InteractionResponse, finisher) {
	done := make(chan []outMessage, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, interactionLifetime)
		defer cancel()
		replies, err := h.HandleEvent(ctx, ev)
		if err != nil {
			a.log.ErrorContext(ctx, "discord command not served", slog.String("event_id", ev.ID), slog.Any("error", err))
			replies = []bot.Reply{{Text: bot.Plain("Something went wrong on my side; please try again in a minute.")}}
		}
		done <- outMessages(replies)
	}()
	timer := time.NewTimer(a.opts.AckWithin)
	defer timer.Stop()
	select {
	case msgs := <-done:
		if len(msgs[0].files) == 0 {
			return respond(msgs[0]), func(ctx context.Context, answered bool) {
				if !answered {
					a.directly(ctx, i, msgs)
					return
				}
				a.followUp(ctx, i, msgs[1:])
			}
		}
		// A response body cannot carry files: defer, then edit them in.
		return deferred(msgs[0].ephemeral), func(ctx context.Context, answered bool) {
			a.deliver(ctx, i, msgs, msgs[0].ephemeral, answered)
		}
	case <-timer.C:
		return deferred(true), func(ctx context.Context, answered bool) { a.deliver(ctx, i, <-done, true, answered) }
	}
}

func outMessages(replies []bot.Reply) []outMessage {
	var out []outMessage
	for _, r := range replies {
		for _, m := range messages(r) {
			out = append(out, outMessage{message: m, ephemeral: r.Visibility == bot.Ephemeral})
		}
	}
	if len(out) == 0 {
		out = append(out, outMessage{message: message{content: "Done."}, ephemeral: true})
	}
	return out
}

func flags(ephemeral bool) discordgo.MessageFlags {
	if ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

func respond(m outMessage) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: m.content, Components: m.components,
			AllowedMentions: noMentions(), Flags: flags(m.ephemeral)}}
}

func deferred(ephemeral bool) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{AllowedMentions: noMentions(), Flags: flags(ephemeral)}}
}

// deliver completes a deferred response: the first message replaces the
// "thinking" placeholder when it is as private as the placeholder;
// otherwise every message follows up and the placeholder goes.
func (a *Adapter) deliver(ctx context.Context, i *discordgo.Interaction, msgs []outMessage, deferredEphemeral, answered bool) {
	if !answered {
		a.directly(ctx, i, msgs)
		return
	}
	if msgs[0].ephemeral == deferredEphemeral {
		m := msgs[0]
		components := m.components
		if components == nil {
			components = []discordgo.MessageComponent{}
		}
		_, err := a.hooks.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &m.content, Components: &components,
			Files: m.files, AllowedMentions: noMentions()}, discordgo.WithContext(ctx))
		if err != nil {
			a.log.WarnContext(ctx, "discord answer not delivered; sending it directly", slog.String("interaction", i.ID), slog.Any("error", err))
			a.directly(ctx, i, msgs)
			return
		}
		a.followUp(ctx, i, msgs[1:])
		return
	}
	a.followUp(ctx, i, msgs)
	if err := a.hooks.InteractionResponseDelete(i, discordgo.WithContext(ctx)); err != nil {
		a.log.WarnContext(ctx, "discord placeholder not removed", slog.String("interaction", i.ID), slog.Any("error", err))
	}
}

func (a *Adapter) followUp(ctx context.Context, i *discordgo.Interaction, msgs []outMessage) {
	for k, m := range msgs {
		_, err := a.hooks.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: m.content, Components: m.components,
			Files: m.files, AllowedMentions: noMentions(), Flags: flags(m.ephemeral)}, discordgo.WithContext(ctx))
		if err != nil {
			a.log.WarnContext(ctx, "discord follow-up not delivered; sending it directly", slog.String("interaction", i.ID), slog.Any("error", err))
			a.directly(ctx, i, msgs[k:])
			return
		}
	}
}

// directly sends a command's messages to the member who ran it as direct
// messages, when the interaction could not carry them.
func (a *Adapter) directly(ctx context.Context, i *discordgo.Interaction, msgs []outMessage) {
	userID := ""
	if i.Member != nil && i.Member.User != nil {
		userID = i.Member.User.ID
	} else if i.User != nil {
		userID = i.User.ID
	}
	out := make([]message, len(msgs))
	for k, m := range msgs {
		out[k] = m.message
	}
	err := errors.New("the interaction names no user")
	if userID != "" {
		err = a.sendDirect(ctx, userID, out)
	}
	if err != nil {
		a.log.ErrorContext(ctx, "discord answer lost: neither the interaction nor a direct message took it",
			slog.String("interaction", i.ID), slog.Any("error", err))
	}
}

// interactGateway answers an interaction that came over the gateway: the
// first response is a REST call on the interaction's own rate limit, never
// retried (an answer after 3 s is worthless).
func (a *Adapter) interactGateway(ctx context.Context, h bot.Handler, i *discordgo.Interaction, received time.Time) {
	first, finish, err := a.firstResponse(ctx, h, i)
	if err != nil {
		a.metrics.eventRejected("malformed")
		a.log.InfoContext(ctx, "discord interaction refused", slog.String("interaction", i.ID), slog.Any("error", err))
		return
	}
	err = a.hooks.InteractionRespond(i, first, discordgo.WithRetryOnRatelimit(false), discordgo.WithContext(ctx))
	a.metrics.acked(received)
	if err != nil {
		a.log.WarnContext(ctx, "discord interaction not acknowledged", slog.String("interaction", i.ID), slog.Any("error", err))
	}
	if finish != nil {
		finish(ctx, err == nil)
	}
}

// firstResponse is the shared start of both ways interactions arrive. It
// fails for an interaction copbot cannot make a command of (no user). Kinds
// of interaction copbot never asks for (it registers no autocomplete and
// opens no modals; and kinds newer than copbot) get a private message that
// says there is nothing to do: Discord wants every interaction answered.
func (a *Adapter) firstResponse(ctx context.Context, h bot.Handler, i *discordgo.Interaction) (*discordgo.InteractionResponse, finisher, error) {
	ev, reply, err := a.interactionEvent(i)
	switch {
	case err != nil:
		return nil, nil, err
	case ev != nil:
		a.metrics.eventReceived(ev.Kind)
		first, finish := a.answer(ctx, h, i, ev)
		return first, finish, nil
	case reply != nil:
		return respond(outMessages([]bot.Reply{*reply})[0]), nil, nil
	}
	a.log.DebugContext(ctx, "discord interaction ignored", slog.Int("type", int(i.Type)))
	a.metrics.ignored()
	return respond(outMessages([]bot.Reply{{Text: bot.Plain("copbot has nothing to do with that.")}})[0]), nil, nil
}

// buttonCommand reads a copbot button's custom_id: the command it runs and
// the server it names, if any.
func buttonCommand(customID string) (cmd, guildID string, ok bool) {
	if cmd, ok := strings.CutPrefix(customID, buttonPrefix); ok {
		return cmd, "", true
	}
	rest, ok := strings.CutPrefix(customID, guildButtonPrefix)
	if !ok {
		return "", "", false
	}
	guildID, cmd, ok = strings.Cut(rest, ":")
	return cmd, guildID, ok && guildID != ""
}

// directButton runs a button pressed in a direct message in the server the
// button names, as the member who pressed it, once Discord confirms they
// are still a member of it (their roles then say whether they run it).
func (a *Adapter) directButton(i *discordgo.Interaction, guildID, text string) (*bot.Event, *bot.Reply, error) {
	if i.User == nil {
		return nil, nil, errors.New("a button pressed in a direct message names no user")
	}
	ctx, cancel := context.WithTimeout(context.Background(), channelLookupTimeout)
	defer cancel()
	m, err := a.api.GuildMember(guildID, i.User.ID, discordgo.WithContext(ctx))
	var rest *discordgo.RESTError
	switch {
	case errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusNotFound:
		return nil, &bot.Reply{Text: bot.Plain("You are no longer a member of the server this button belongs to.")}, nil
	case err != nil:
		a.log.Warn("discord member not read for a button in a DM", slog.String("interaction", i.ID), slog.Any("error", err))
		return nil, &bot.Reply{Text: bot.Plain("I couldn't check that button with Discord just now; please try again in a minute.")}, nil
	}
	ev := &bot.Event{
		ID: "interaction:" + i.ID, Kind: bot.Command, Community: a.community(guildID),
		User: a.user(guildID, m, i.User), Channel: bot.Channel{ID: i.ChannelID, Private: true},
		Time: a.opts.Now(), Text: text, Mentions: []string{},
	}
	if err := ev.Check(); err != nil {
		return nil, nil, err
	}
	return ev, nil, nil
}
