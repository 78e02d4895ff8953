package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/bot/bottest"
	"github.com/copbot/copbot/internal/testlog"
)

// TestConformance holds the Discord adapter to the contract every adapter
// keeps (bottest.Exercise): commands at the signed HTTP interactions
// endpoint, presses and events over the gateway, the fake Discord's REST
// API (and the endpoint's answers) out.
func TestConformance(t *testing.T) { bottest.Exercise(t, discordHarness{}) }

// maxRows is the most rows of components Discord takes on one message.
const maxRows = 5

// newcomerID joins the guild during the checks.
const newcomerID = "500000000000000077"

type discordHarness struct{}

func (discordHarness) Setup() bottest.Setup {
	return bottest.Setup{
		Community: bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID},
		Channel:   general, User: adaID, Other: bobID, Newcomer: newcomerID, Emoji: "💡",
		Limits: bottest.Limits{Blocks: maxRows},
	}
}

// Start runs the adapter's gateway against the fake Discord, and serves
// its HTTP interactions endpoint.
func (discordHarness) Start(t *testing.T, h bot.Handler) bottest.Platform {
	fake := newFakeDiscord(t)
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	a, err := New(Options{Token: "test-token", AppID: appID, PublicKey: hex.EncodeToString(pub), APIURL: fake.apiURL(),
		SpoolDir: t.TempDir()}, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	url := bottest.Serve(t, a, h, logs)
	fake.waitReady("identified")
	p := &discordPlatform{a: a, fake: fake, url: url, key: key, dms: map[string]string{},
		interactions: map[string]bottest.Where{}, deferred: map[string]int{}}
	for _, u := range []string{adaID, bobID, newcomerID} {
		p.dms["9"+u[1:]] = u // the fake's direct-message channels
	}
	return p
}

type discordPlatform struct {
	a    *Adapter
	fake *fakeDiscord
	url  string
	key  ed25519.PrivateKey // the application's, which signs interactions
	// dms maps the fake's direct-message channels to their members.
	dms map[string]string

	mu  sync.Mutex
	seq int
	// interactions say, by token, who used each interaction and where,
	// which is who sees its ephemeral answers.
	interactions map[string]bottest.Where
	// answered are the endpoint's answers, each with the number of
	// requests the fake had before it (which places it among them);
	// deferred the flags of the answers that were deferrals, by token.
	answered []answered
	deferred map[string]int
}

type answered struct {
	at int
	m  bottest.Message
}

func (p *discordPlatform) Adapter() bot.Adapter { return p.a }

func (p *discordPlatform) next() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	return p.seq
}

func (p *discordPlatform) used(token string, w bottest.Where) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.interactions[token] = w
}

func (p *discordPlatform) Post(t *testing.T, author, text string) string {
	id := fmt.Sprintf("6000000000001%05d", p.next())
	p.fake.addMessage(general, id, author, "Member"+author[len(author)-2:], text)
	return id
}

// Do sends the act as Discord does: /cop as an interaction of the
// registered command, signed, to the HTTP interactions endpoint; the rest
// as gateway dispatches.
func (p *discordPlatform) Do(t *testing.T, act bottest.Act) {
	t.Helper()
	switch act.Kind {
	case bot.Command:
		p.command(t, act, p.key, http.StatusOK)
	case bot.ReactionAdded:
		p.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(act.User, "Member", general, act.Message, unicodeEmoji(act.Emoji)))
	case bot.ReactionRemoved:
		p.fake.Dispatch("MESSAGE_REACTION_REMOVE", fmt.Sprintf(`{"user_id": %q, "channel_id": %q, "message_id": %q, "guild_id": %q,
			"emoji": %s, "burst": false, "type": 0}`, act.User, general, act.Message, guildID, unicodeEmoji(act.Emoji)))
	case bot.MemberJoined:
		p.fake.Dispatch("GUILD_MEMBER_ADD", fmt.Sprintf(`{"guild_id": %q, %s`, guildID, strings.TrimPrefix(member(act.User, "Newt"), "{")))
	case bot.MessageEdited:
		text, _ := json.Marshal(act.Text)
		p.fake.Dispatch("MESSAGE_UPDATE", fmt.Sprintf(`{"id": %q, "channel_id": %q, "guild_id": %q, "type": 0, "content": %s,
			"edited_timestamp": "2024-05-01T13:00:00.000000+00:00", "timestamp": "2024-05-01T12:00:00.000000+00:00",
			"author": {"id": %q, "username": "member", "discriminator": "0"},
			"member": {"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00"}, "attachments": [], "embeds": [], "mentions": []}`,
			act.Message, general, guildID, text, act.User))
	case bot.ReactionsCleared:
		p.fake.Dispatch("MESSAGE_REACTION_REMOVE_ALL", fmt.Sprintf(`{"channel_id": %q, "message_id": %q, "guild_id": %q}`,
			general, act.Message, guildID))
	case bot.MessageDeleted:
		p.fake.Dispatch("MESSAGE_DELETE", fmt.Sprintf(`{"id": %q, "channel_id": %q, "guild_id": %q}`, act.Message, general, guildID))
	case bot.ChannelDeleted:
		p.fake.Dispatch("CHANNEL_DELETE", fmt.Sprintf(`{"id": %q, "type": 0, "guild_id": %q, "name": "general", "position": 0,
			"permission_overwrites": []}`, general, guildID))
	default:
		t.Fatalf("no Discord dispatch for a %s event", act.Kind)
	}
}

// commandOptions writes /cop text as the options of the registered /cop
// command (Commands), as Discord's client would send them: the subcommand
// (in its group), and the rest of the text as its first string option.
func commandOptions(t *testing.T, text string) string {
	t.Helper()
	words := strings.Fields(text)
	options := Commands()[0].Options
	var path []*discordgo.ApplicationCommandOption
	for len(words) > 0 {
		i := slices.IndexFunc(options, func(o *discordgo.ApplicationCommandOption) bool {
			return o.Name == words[0] && (o.Type == discordgo.ApplicationCommandOptionSubCommand ||
				o.Type == discordgo.ApplicationCommandOptionSubCommandGroup)
		})
		if i < 0 {
			break
		}
		path = append(path, options[i])
		options, words = options[i].Options, words[1:]
	}
	if len(path) == 0 {
		t.Fatalf("/cop %s names no subcommand of the registered command", text)
	}
	var given []map[string]any
	if len(words) > 0 {
		i := slices.IndexFunc(options, func(o *discordgo.ApplicationCommandOption) bool {
			return o.Type == discordgo.ApplicationCommandOptionString
		})
		if i < 0 {
			t.Fatalf("/cop %s: the subcommand takes no text", text)
		}
		given = []map[string]any{{"name": options[i].Name, "type": int(options[i].Type), "value": strings.Join(words, " ")}}
	}
	for i := len(path) - 1; i >= 0; i-- {
		o := map[string]any{"name": path[i].Name, "type": int(path[i].Type)}
		if given != nil {
			o["options"] = given
		}
		given = []map[string]any{o}
	}
	b, _ := json.Marshal(given)
	return string(b)
}

// Forge posts a command to the HTTP interactions endpoint signed with a
// key that is not the application's.
func (p *discordPlatform) Forge(t *testing.T, act bottest.Act) {
	t.Helper()
	_, wrong, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	p.command(t, act, wrong, http.StatusUnauthorized)
}

// command posts /cop as an application command interaction signed with
// key, checks the answer's status, and keeps the message it carries.
func (p *discordPlatform) command(t *testing.T, act bottest.Act, key ed25519.PrivateKey, status int) {
	t.Helper()
	_, token, body := interaction(2, act.User, "1024", slash(commandOptions(t, act.Text)))
	p.used(token, bottest.Where{Channel: general, User: act.User})
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, p.url+"/discord/interactions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(stamp+body))))
	req.Header.Set("X-Signature-Timestamp", stamp)
	p.fake.mu.Lock()
	at := len(p.fake.requests) // what follows the answer comes after these
	p.fake.mu.Unlock()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("the interactions endpoint answered %d %q, want %d", resp.StatusCode, answer, status)
	}
	if status != http.StatusOK {
		return
	}
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(answer, &cb); err != nil || cb.Data == nil {
		t.Fatalf("the interactions endpoint answered %q, want an interaction response", answer)
	}
	if err := checkNoMentions(cb.Data); err != nil {
		t.Errorf("the interactions endpoint's answer: %v: %s", err, answer)
	}
	m, flags := readMessage(cb.Data)
	p.mu.Lock()
	defer p.mu.Unlock()
	if cb.Type == int(discordgo.InteractionResponseDeferredChannelMessageWithSource) {
		p.deferred[token] = flags
		return
	}
	m.Where = p.whoLocked(token, flags)
	p.answered = append(p.answered, answered{at: at, m: m})
}

// Press sends the press of a button as Discord does: an INTERACTION_CREATE
// of a message component with the button's custom_id, from the guild's
// channel or, without a guild, from the member's direct messages.
func (p *discordPlatform) Press(t *testing.T, m bottest.Message, i int, user string) {
	t.Helper()
	customID, _ := json.Marshal(m.Buttons[i].Key)
	if m.Where.Channel != "" {
		_, token, payload := interaction(3, user, "1024", fmt.Sprintf(`{"custom_id": %s, "component_type": 2}`, customID))
		p.used(token, bottest.Where{Channel: general, User: user})
		p.fake.Dispatch("INTERACTION_CREATE", payload)
		return
	}
	id := strconv.Itoa(810000000000000000 + p.next())
	token := "ZG0" + id
	dm := "9" + user[1:]
	p.used(token, bottest.Where{User: user})
	p.fake.Dispatch("INTERACTION_CREATE", fmt.Sprintf(`{"id": %q, "application_id": %q, "type": 3, "token": %q, "version": 1,
		"channel_id": %q, "channel": {"id": %q, "type": 1},
		"user": {"id": %q, "username": "member", "global_name": null, "avatar": null, "discriminator": "0"},
		"message": {"id": "600000000000000900", "channel_id": %q, "type": 0, "content": "a notice"},
		"data": {"custom_id": %s, "component_type": 2},
		"app_permissions": "0", "locale": "en-GB", "entitlements": [], "authorizing_integration_owners": {"1": %q}, "context": 1}`,
		id, appID, token, dm, dm, user, dm, customID, user))
}

// Sent reads the messages copbot sent, in order: to channels (notices,
// direct messages) and to interactions (the endpoint's answers, the first
// answers and follow-ups of gateway interactions, and the edit of a
// deferred answer, which is as private as its deferral).
func (p *discordPlatform) Sent(*testing.T) []bottest.Message {
	p.fake.mu.Lock()
	requests := slices.Clone(p.fake.requests)
	p.fake.mu.Unlock()
	p.mu.Lock()
	answers := slices.Clone(p.answered)
	deferred := maps.Clone(p.deferred) // token → flags of the deferral
	p.mu.Unlock()
	var ms []bottest.Message
	for i, r := range requests {
		for len(answers) > 0 && answers[0].at <= i {
			ms = append(ms, answers[0].m)
			answers = answers[1:]
		}
		path := strings.Split(strings.Trim(r.Path, "/"), "/")
		switch {
		case r.Method == http.MethodPost && len(path) == 3 && path[0] == "channels" && path[2] == "messages":
			m, _ := readMessage(r.Payload)
			m.Where = bottest.Where{Channel: path[1]}
			if u, ok := p.dms[path[1]]; ok {
				m.Where = bottest.Where{User: u}
			}
			ms = append(ms, m)
		case r.Method == http.MethodPost && len(path) == 4 && path[0] == "interactions" && path[3] == "callback":
			var cb struct {
				Type int             `json:"type"`
				Data json.RawMessage `json:"data"`
			}
			if json.Unmarshal(r.Payload, &cb) != nil || cb.Data == nil {
				continue
			}
			m, flags := readMessage(cb.Data)
			if cb.Type == int(discordgo.InteractionResponseDeferredChannelMessageWithSource) {
				deferred[path[2]] = flags
				continue
			}
			m.Where = p.who(path[2], flags)
			ms = append(ms, m)
		case r.Method == http.MethodPost && len(path) == 3 && path[0] == "webhooks":
			m, flags := readMessage(r.Payload)
			m.Where = p.who(path[2], flags)
			ms = append(ms, m)
		case r.Method == http.MethodPatch && len(path) == 5 && path[0] == "webhooks" && path[4] == "@original":
			m, _ := readMessage(r.Payload)
			m.Where = p.who(path[2], deferred[path[2]])
			ms = append(ms, m)
		}
	}
	for _, a := range answers {
		ms = append(ms, a.m)
	}
	return ms
}

// who sees an interaction's message: its user alone when it is
// ephemeral, else everyone where it was used.
func (p *discordPlatform) who(token string, flags int) bottest.Where {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.whoLocked(token, flags)
}

func (p *discordPlatform) whoLocked(token string, flags int) bottest.Where {
	w := p.interactions[token]
	if flags&int(discordgo.MessageFlagsEphemeral) == 0 && w.Channel != "" {
		w.User = ""
	}
	return w
}

// readMessage reads a message's content, flags and buttons.
func readMessage(payload []byte) (bottest.Message, int) {
	var d struct {
		Content    string `json:"content"`
		Flags      int    `json:"flags"`
		Components []struct {
			Components []struct {
				Label    string `json:"label"`
				CustomID string `json:"custom_id"`
			} `json:"components"`
		} `json:"components"`
	}
	if err := json.Unmarshal(payload, &d); err != nil {
		d.Content = "(not read: " + err.Error() + ")"
	}
	m := bottest.Message{Parts: []bottest.Part{{Text: d.Content, Max: maxContent}}, Blocks: len(d.Components)}
	for _, row := range d.Components {
		for _, c := range row.Components {
			m.Buttons = append(m.Buttons, bottest.Button{Label: c.Label, Key: c.CustomID})
		}
	}
	return m, d.Flags
}

var (
	// mentionSequence is a user (<@1>, <@!1>), role (<@&1>) or channel
	// (<#1>) mention as Discord reads it.
	mentionSequence = regexp.MustCompile(`<(@[!&]?|#)([0-9]+)>`)
	// maskedLink is a link under a label: [label](url) or [label](<url>).
	maskedLink = regexp.MustCompile(`\[([^\]]*)\]\(<?(https?://[^)>\s]*)>?\)`)
	// massPing is @everyone or @here.
	massPing = regexp.MustCompile(`(?i)@(everyone|here)`)
)

// escaped says whether the character at i follows an odd run of
// backslashes, which makes Discord show it as typed.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// Effects reads content as Discord does: unescaped mentions and masked
// links, and any @everyone or @here (backslash or not, to be strict).
func (p *discordPlatform) Effects(text string) []string {
	effects := []string{}
	for _, m := range mentionSequence.FindAllStringSubmatchIndex(text, -1) {
		if escaped(text, m[0]) {
			continue
		}
		kind, id := text[m[2]:m[3]], text[m[4]:m[5]]
		if kind == "@!" {
			kind = "@" // <@!1> is the old form of <@1>
		}
		effects = append(effects, kind+id)
	}
	for _, m := range maskedLink.FindAllStringSubmatchIndex(text, -1) {
		if !escaped(text, m[0]) {
			effects = append(effects, "link:"+text[m[4]:m[5]])
		}
	}
	for _, m := range massPing.FindAllStringSubmatch(text, -1) {
		effects = append(effects, "@"+strings.ToLower(m[1]))
	}
	return effects
}

// Display shows content as Discord does: masked links as their labels,
// no bold markers, no zero-width spaces, and escaped characters without
// their backslash.
func (p *discordPlatform) Display(text string) string {
	text = maskedLink.ReplaceAllString(text, "$1")
	text = strings.NewReplacer("**", "", "\u200b", "").Replace(text)
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] == '\\' && i+1 < len(text) && strings.IndexByte("\\*_~`|<>[]()#-+@!:.", text[i+1]) >= 0 {
			i++
		}
		b.WriteByte(text[i])
	}
	return b.String()
}
