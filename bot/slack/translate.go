package slack

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
)

// envelope is what copbot reads of an Events API payload (an HTTP request
// body, or a Socket Mode events_api envelope's payload), decoded in one
// pass. The field names are those of slackevents.EventsAPICallbackEvent,
// EventsAPIURLVerificationEvent and the inner ReactionAddedEvent,
// MemberJoinedChannelEvent and MessageEvent; fields copbot does not use
// (message text and blocks of every new message) are skipped unread.
type envelope struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
	TeamID    string `json:"team_id"`
	EventID   string `json:"event_id"`
	EventTime int64  `json:"event_time"`
	Event     inner  `json:"event"`
}

type inner struct {
	Type     string     `json:"type"`
	SubType  string     `json:"subtype"`
	User     flexString `json:"user"`
	Reaction string     `json:"reaction"`
	ItemUser string     `json:"item_user"`
	Item     struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
	Channel         flexString `json:"channel"`
	ChannelType     string     `json:"channel_type"`
	DeletedTS       string     `json:"deleted_ts"`
	Message         *message   `json:"message"`
	PreviousMessage *message   `json:"previous_message"`
}

// message is a message inside a message_changed or message_deleted event
// (slack.Msg's fields copbot needs).
type message struct {
	User     string `json:"user"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	BotID    string `json:"bot_id"`
	SubType  string `json:"subtype"`
	Username string `json:"username"`
}

// flexString reads a JSON string and ignores any other value: "user" and
// "channel" are objects in some events copbot does not handle, and such an
// event must not make the whole delivery unreadable.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = flexString(v)
	return nil
}

// decodeEnvelope reads an Events API payload. JSON is UTF-8, and Go's
// decoder would quietly turn other bytes into U+FFFD, so they are refused
// here.
func decodeEnvelope(b []byte) (*envelope, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("events API payload is not UTF-8")
	}
	env := &envelope{}
	if err := json.Unmarshal(b, env); err != nil {
		return nil, err
	}
	if env.Type == "" {
		return nil, errors.New("events API payload without a type")
	}
	return env, nil
}

// eventFromCallback translates an event_callback into the core's terms. It
// returns nil and no error for deliveries copbot has no use for: new
// messages (which arrive because edits and deletions need the message.*
// subscriptions), reactions to files, event types it did not subscribe to;
// an error for an event it would use but cannot (no team_id or event_id,
// a reaction without its message, a NUL byte: see bot.Event.Check).
func (a *Adapter) eventFromCallback(env *envelope) (*bot.Event, error) {
	ev := a.translateCallback(env)
	if ev == nil {
		return nil, nil
	}
	if err := ev.Check(); err != nil {
		return nil, err
	}
	return ev, nil
}

func (a *Adapter) translateCallback(env *envelope) *bot.Event {
	in := &env.Event
	ev := &bot.Event{
		ID:        env.EventID,
		Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: env.TeamID},
		Time:      time.Unix(env.EventTime, 0),
	}
	switch in.Type {
	case "reaction_added", "reaction_removed":
		if in.Item.Type != "message" {
			return nil
		}
		ev.Kind = bot.ReactionAdded
		if in.Type == "reaction_removed" {
			ev.Kind = bot.ReactionRemoved
		}
		// A reaction event carries only ids; names cost a users.info call,
		// which has no place on the acknowledgement's path.
		ev.User = bot.User{ID: string(in.User)}
		ev.Emoji = in.Reaction
		ev.Channel = bot.Channel{ID: in.Item.Channel, Private: a.channels.private(in.Item.Channel, "", "")}
		ev.Message = bot.MessageRef{ID: in.Item.TS, Author: bot.User{ID: in.ItemUser}}
	case "channel_deleted", "group_deleted":
		ev.Kind = bot.ChannelDeleted
		ev.Channel = bot.Channel{ID: string(in.Channel)}
	case "member_joined_channel":
		ev.Kind = bot.MemberJoined
		ev.User = bot.User{ID: string(in.User)}
		ev.Channel = bot.Channel{ID: string(in.Channel), Private: a.channels.private(string(in.Channel), in.ChannelType, "")}
	case "message":
		private := a.channels.private(string(in.Channel), in.ChannelType, "")
		switch in.SubType {
		case "message_changed":
			if in.Message == nil {
				return nil
			}
			ev.Kind = bot.MessageEdited
			ev.Message = in.Message.ref()
			if in.Message.SubType == "tombstone" {
				// A deleted thread parent stays as a tombstone ("This message
				// was deleted.") and arrives as an edit: it is a deletion.
				ev.Kind = bot.MessageDeleted
				ev.Message.Text = ""
			}
		case "message_deleted":
			ev.Kind = bot.MessageDeleted
			ev.Message = bot.MessageRef{ID: in.DeletedTS}
			if in.PreviousMessage != nil {
				ev.Message = in.PreviousMessage.ref()
				ev.Message.Text = ""
			}
		default:
			return nil
		}
		ev.User = ev.Message.Author
		ev.Channel = bot.Channel{ID: string(in.Channel), Private: private}
	default:
		return nil
	}
	return ev
}

func (m *message) ref() bot.MessageRef {
	r := bot.MessageRef{ID: m.TS, Text: unescape(m.Text), Author: bot.User{
		ID: m.User, Name: m.Username, IsBot: m.BotID != "" || m.SubType == "bot_message",
	}}
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		r.ThreadID = m.ThreadTS
	}
	return r
}

// commandEvent translates a slash command (the form of an HTTP request, or
// a Socket Mode slash_commands payload).
// A command whose text (or name) is not text fails with an error that is
// bot.ErrNotText, so that the person can be told.
func (a *Adapter) commandEvent(sc *slack.SlashCommand) (*bot.Event, error) {
	if sc.TeamID == "" || sc.UserID == "" || sc.ChannelID == "" || sc.TriggerID == "" {
		return nil, errors.New("slash command without team_id, user_id, channel_id or trigger_id")
	}
	name := sc.ChannelName
	if name == "privategroup" || name == "directmessage" {
		name = "" // Slack's stand-ins, not names
	}
	ev := &bot.Event{
		ID:        "command:" + sc.TriggerID,
		Kind:      bot.Command,
		Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: sc.TeamID},
		User:      bot.User{ID: sc.UserID, Name: sc.UserName},
		Channel:   bot.Channel{ID: sc.ChannelID, Name: name},
		Time:      time.Now(),
		Text:      unescape(sc.Text),
		Mentions:  mentionedUsers(sc.Text),
	}
	if err := ev.Check(); err != nil {
		return nil, err
	}
	ev.Channel.Private = a.channels.private(sc.ChannelID, "", sc.ChannelName)
	return ev, nil
}

// clickEvents turns the copbot buttons pressed in a block_actions payload
// into the commands they carry, run as the person who pressed them. It
// fails for a click it cannot run: without its team, user or trigger_id,
// or holding a NUL byte.
func (a *Adapter) clickEvents(ic *slack.InteractionCallback) ([]*bot.Event, error) {
	team := ic.Team.ID
	if team == "" {
		team = ic.User.TeamID
	}
	if ic.TriggerID == "" {
		return nil, errors.New("block_actions without a trigger_id")
	}
	name := ic.User.Name
	if name == "" {
		name = ic.User.Username
	}
	var evs []*bot.Event
	for i, act := range ic.ActionCallback.BlockActions {
		if act == nil || !strings.HasPrefix(act.ActionID, actionPrefix) || act.Value == "" {
			continue
		}
		ev := &bot.Event{
			ID:        "click:" + ic.TriggerID + ":" + strconv.Itoa(i),
			Kind:      bot.Command,
			Community: bot.CommunityRef{Platform: bot.Slack, ExternalID: team},
			User:      bot.User{ID: ic.User.ID, Name: name},
			Channel:   bot.Channel{ID: ic.Channel.ID, Name: ic.Channel.Name},
			Time:      time.Now(),
			Text:      act.Value,
		}
		if err := ev.Check(); err != nil {
			return nil, err
		}
		ev.Channel.Private = a.channels.private(ic.Channel.ID, "", "")
		evs = append(evs, ev)
	}
	return evs, nil
}

// slackMention is a mention as Slack writes it into escaped command text;
// a person who types "<@U123>" arrives as "&lt;@U123&gt;" instead.
var slackMention = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)

// mentionedUsers lists the users Slack marked as mentioned in a command's
// text, before it is unescaped (bot.Event.Mentions).
func mentionedUsers(raw string) []string {
	ids := []string{}
	for _, m := range slackMention.FindAllStringSubmatch(raw, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// unescape undoes Slack's escaping of message and command text (&amp;,
// &lt;, &gt; are the only entities Slack uses), so that copbot stores what
// people typed; renderers escape it again on the way out.
var unescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace

// channelKinds decides whether a conversation is private. Slack says so
// outright only in some payloads: message events carry channel_type
// (channel, group, im, mpim). Slash commands from private channels and DMs
// carry the channel_name "privategroup" or "directmessage" (e.g.
// slack-ruby/slack-ruby-client#227 shows channel_id D… with channel_name
// directmessage), group DMs a name starting with "mpdm-". member_joined_channel
// carries a letter, G for private, but its C may be either since private
// channels made after March 2021 have C ids
// (https://api.slack.com/events/member_joined_channel). Reactions and button
// clicks carry only the id, and Slack warns that an id's first letter is no
// reliable sign (https://api.slack.com/changelog/2018-09-more-reasons-to-be-a-conversations-api-convert).
// So copbot remembers what it learned about each channel: from those
// payloads (with message.groups subscribed, every message in a private
// channel teaches it) and from the list of its own private conversations it
// reads when it starts (users.conversations, see learnPrivateChannels). Only
// for a channel it knows nothing of does it fall back to the id: G (older
// private channels, group DMs) and D (DMs) are private, anything else is
// taken for public.
type channelKinds struct {
	mu sync.RWMutex
	// known maps a channel id to whether it is private.
	known map[string]bool
}

// maxChannels bounds what channelKinds remembers; it starts over when full.
const maxChannels = 100_000

func newChannelKinds() *channelKinds { return &channelKinds{known: map[string]bool{}} }

func (k *channelKinds) private(id, channelType, channelName string) bool {
	switch channelType {
	case "group", "im", "mpim", "G":
		k.learn(id, true)
		return true
	case "channel":
		k.learn(id, false)
		return false
	}
	if channelName == "privategroup" || channelName == "directmessage" || strings.HasPrefix(channelName, "mpdm-") {
		k.learn(id, true)
		return true
	}
	k.mu.RLock()
	p, known := k.known[id]
	k.mu.RUnlock()
	if known {
		return p
	}
	return strings.HasPrefix(id, "G") || strings.HasPrefix(id, "D")
}

// lookup says what copbot has learned of a channel, if anything.
func (k *channelKinds) lookup(id string) (private, known bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	private, known = k.known[id]
	return private, known
}

func (k *channelKinds) learn(id string, private bool) {
	if id == "" {
		return
	}
	k.mu.RLock()
	p, known := k.known[id]
	k.mu.RUnlock()
	if known && p == private {
		return
	}
	k.mu.Lock()
	if len(k.known) >= maxChannels {
		clear(k.known)
	}
	k.known[id] = private
	k.mu.Unlock()
}
