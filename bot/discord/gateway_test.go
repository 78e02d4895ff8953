package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/storetest"
	"github.com/copbot/copbot/internal/wait"
)

func asAdmin(h *harness, text string) string {
	h.t.Helper()
	replies, err := h.core.HandleEvent(context.Background(), &bot.Event{ID: "admin:" + text, Kind: bot.Command, Text: text,
		Community: bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID},
		User:      bot.User{ID: ownerID, Name: "owner", IsAdmin: true}, Channel: bot.Channel{ID: general, Name: "general"}})
	if err != nil || len(replies) != 1 {
		h.t.Fatalf("%s: %v, %v", text, replies, err)
	}
	return replies[0].Text.String()
}

func TestAdapter_ReactionsCaptureTips(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.run()
	h.fake.addMessage(general, "600000000000000001", bobID, "Bob", "Quarantine flaky tests, fix one a day #testing")
	h.fake.addMessage(general, "600000000000000002", bobID, "Bob", "Not worth saving")
	h.fake.addMessage(general, "600000000000000003", bobID, "Bob", "Pair on the hard bugs")
	h.fake.addMessage(staff, "600000000000000004", bobID, "Bob", "Staff only")

	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000002", unicodeEmoji("👍")))
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", staff, "600000000000000004", unicodeEmoji("💡")))
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000001", unicodeEmoji("💡")))
	tips := h.waitTips(1)
	want := savedTip{Number: 1, Text: "Quarantine flaky tests, fix one a day #testing", AuthorName: "Bob", Votes: 1, ChannelName: "general",
		Permalink: "https://discord.com/channels/" + guildID + "/" + general + "/600000000000000001"}
	if tips[0] != want {
		t.Errorf("tip = %+v\nwant %+v", tips[0], want)
	}

	if got := asAdmin(h, "config save-emoji <:copsave:700000000000000001>"); !strings.Contains(got, "copsave") {
		t.Fatalf("config: %s", got)
	}
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000003", customEmoji("700000000000000001", "copsave")))
	tips = h.waitTips(2)
	if tips[1].Text != "Pair on the hard bugs" {
		t.Errorf("custom emoji captured %+v", tips[1])
	}
	if len(h.tips()) != 2 {
		t.Errorf("tips = %+v; a 👍 and a reaction in a private channel must capture nothing", h.tips())
	}

	// The member who reacted hears about it in a DM: Discord has no
	// ephemeral messages outside interactions. Two confirmations, and the
	// note that the private channel saves nothing.
	h.fake.waitSent("POST", "/channels/900000000000000001/messages", 3)
	adaDMs := 0
	for _, r := range h.fake.sent("POST", "/users/@me/channels") {
		if strings.Contains(string(r.Payload), adaID) {
			adaDMs++
		}
	}
	if adaDMs != 1 {
		t.Errorf("opened %d DM channels with Ada, want 1 (the second notice reuses it)", adaDMs)
	}
	// Bob, whose messages were saved, hears of it in a DM of his own.
	bobDM := h.fake.waitSent("POST", "/channels/9"+bobID[1:]+"/messages", 1)
	if !strings.Contains(string(bobDM[0].Payload), "Your message was saved") {
		t.Errorf("note to the author = %s", bobDM[0].Payload)
	}
	var contents []string
	for _, r := range h.fake.sent("POST", "/channels/900000000000000001/messages") {
		var msg struct{ Content string }
		json.Unmarshal(r.Payload, &msg)
		contents = append(contents, msg.Content)
	}
	all := strings.Join(contents, "\n")
	if !strings.Contains(all, "Saved as tip 1") || !strings.Contains(all, "don't save tips: it is private") {
		t.Errorf("Ada's DMs = %q; want the confirmation and the private channel's note", contents)
	}

	// An edit updates the tip; a deletion hides it.
	h.fake.Dispatch("MESSAGE_UPDATE", fmt.Sprintf(`{"id": "600000000000000001", "channel_id": %q, "guild_id": %q, "type": 0,
		"content": "Quarantine flaky tests, fix two a day #testing", "edited_timestamp": "2024-05-01T13:00:00.000000+00:00",
		"timestamp": "2024-05-01T12:00:00.000000+00:00", "author": {"id": %q, "username": "bob", "discriminator": "0"},
		"member": {"roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00"}, "attachments": [], "embeds": [], "mentions": []}`, general, guildID, bobID))
	h.fake.Dispatch("MESSAGE_UPDATE", fmt.Sprintf(`{"id": "600000000000000003", "channel_id": %q, "guild_id": %q,
		"embeds": [{"type": "link", "url": "https://example.com"}]}`, general, guildID)) // a link preview, not an edit
	h.fake.Dispatch("MESSAGE_DELETE", fmt.Sprintf(`{"id": "600000000000000003", "channel_id": %q, "guild_id": %q}`, general, guildID))
	wait.Until(t, "edit and deletion", func() bool {
		tips := h.tips()
		return len(tips) == 2 && tips[0].Text == "Quarantine flaky tests, fix two a day #testing" && tips[1].Text == ""
	})

	// A newcomer is recorded as a member.
	h.fake.Dispatch("GUILD_MEMBER_ADD", fmt.Sprintf(`{"guild_id": %q, %s`, guildID, strings.TrimPrefix(member("500000000000000077", "Newt"), "{")))
	wait.Until(t, "member join", func() bool {
		m, ok := storetest.Member(t, h.store, guildRef, "500000000000000077")
		return ok && m.DisplayName == "Newt"
	})
}

// recorder stands between the adapter and the core and notes the ids of
// the events the core has handled.
type recorder struct {
	bot.Handler
	mu  sync.Mutex
	ids []string
}

func (r *recorder) HandleEvent(ctx context.Context, ev *bot.Event) ([]bot.Reply, error) {
	replies, err := r.Handler.HandleEvent(ctx, ev)
	r.mu.Lock()
	r.ids = append(r.ids, ev.ID)
	r.mu.Unlock()
	return replies, err
}

// handled returns the ids of the events handled so far.
func (r *recorder) handled() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// count is how many events the core has handled.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

func TestAdapter_ResumeAfterDroppedConnection(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	rec := &recorder{Handler: h.core}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.adapter.Run(ctx, rec) }()
	t.Cleanup(func() { cancel(); <-done })
	h.fake.waitReady("identified")
	h.fake.addMessage(general, "600000000000000001", bobID, "Bob", "Write the test first")

	seq := h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000001", unicodeEmoji("💡")))
	h.waitTips(1)

	// The connection drops; copbot resumes, and Discord sends the last
	// dispatch again before RESUMED.
	h.fake.mu.Lock()
	h.fake.replayLast = true
	h.fake.mu.Unlock()
	h.fake.dropConn()
	h.fake.waitReady("resumed")
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(bobID, "Bob", general, "600000000000000001", unicodeEmoji("💡")))
	wait.Until(t, "second vote", func() bool { tips := h.tips(); return len(tips) == 1 && tips[0].Votes == 2 })

	h.fake.mu.Lock()
	resumes, identifies := h.fake.resumes, len(h.fake.identifies)
	h.fake.mu.Unlock()
	if identifies != 1 || len(resumes) != 1 || resumes[0]["session_id"] != "session-1" || resumes[0]["seq"] != float64(seq) {
		t.Errorf("identifies = %d, resumes = %v; want one IDENTIFY, then a RESUME of session-1 at seq %d", identifies, resumes, seq)
	}
	wait.Until(t, "the core to have handled three events", func() bool { return rec.count() >= 3 })
	ids := rec.handled()
	first := fmt.Sprintf("message_reaction_add:session-1:%d", seq)
	var seen int
	for _, id := range ids {
		if id == first {
			seen++
		}
	}
	if seen != 2 || len(ids) != 3 {
		t.Errorf("event ids = %v; want %s twice (the replay keeps its id) and one more", ids, first)
	}
	if tips := h.tips(); len(tips) != 1 || tips[0].Votes != 2 {
		t.Errorf("tips = %+v; want one tip with two votes", tips)
	}
}

func TestAdapter_PrivilegedIntentRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{refuse: int64(discordgo.IntentsMessageContent)})
	h.run()
	h.fake.mu.Lock()
	ids := h.fake.identifies
	h.fake.mu.Unlock()
	if len(ids) != 2 {
		t.Fatalf("%d IDENTIFYs, want 2 (all intents, then without message content)", len(ids))
	}
	first, second := discordgo.Intent(ids[0]["intents"].(float64)), discordgo.Intent(ids[1]["intents"].(float64))
	if first != allIntents || second != allIntents&^discordgo.IntentsMessageContent {
		t.Errorf("intents %d then %d; want %d then %d", first, second, allIntents, allIntents&^discordgo.IntentsMessageContent)
	}
	if logs := h.logs.String(); !contains(logs, "close 4014", "https://discord.com/developers/applications/"+appID+"/bot", "message content") {
		t.Errorf("no clear log line about the refused intent:\n%s", logs)
	}
	// Without the intent Discord sends messages without text: the tip keeps its link.
	h.fake.addMessage(general, "600000000000000001", bobID, "Bob", "")
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000001", unicodeEmoji("💡")))
	if tips := h.waitTips(1); tips[0].Text != "" || !strings.HasSuffix(tips[0].Permalink, "/600000000000000001") {
		t.Errorf("tip = %+v, want a link-only tip", tips[0])
	}
	if !strings.Contains(h.logs.String(), "Discord sent a message without its text") {
		t.Error("the empty message was not reported")
	}
}

func TestAdapter_FetchRateLimited(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.run()
	h.fake.addMessage(general, "600000000000000001", bobID, "Bob", "Review in pairs")
	h.fake.mu.Lock()
	h.fake.limitGets = 1
	h.fake.mu.Unlock()
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000001", unicodeEmoji("💡")))
	if tips := h.waitTips(1); tips[0].Text != "Review in pairs" {
		t.Errorf("tip = %+v", tips[0])
	}
	h.fake.mu.Lock()
	gets := h.fake.gets
	h.fake.mu.Unlock()
	if gets != 2 {
		t.Errorf("%d fetches, want 2: a 429, then the message after retry_after", gets)
	}
}

// TestAdapter_ClearsAndBulkDeletions: a moderator's clearing of reactions
// takes back the votes it removed, a bulk deletion hides every message it
// names, and a deleted channel hides the tips of all its messages.
func TestAdapter_ClearsAndBulkDeletions(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.run()
	const cyID = "500000000000000003"
	for i := 1; i <= 4; i++ {
		id := fmt.Sprintf("60000000000000001%d", i)
		h.fake.addMessage(general, id, bobID, "Bob", fmt.Sprintf("Tip number %d", i))
		h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, id, unicodeEmoji("💡")))
		h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(cyID, "Cy", general, id, unicodeEmoji("💡")))
	}
	wait.Until(t, "four tips with two votes each", func() bool {
		tips := h.tips()
		return len(tips) == 4 && tips[0].Votes+tips[1].Votes+tips[2].Votes+tips[3].Votes == 8
	})
	byNumber := func() map[string]savedTip {
		out := map[string]savedTip{}
		for _, tip := range h.tips() {
			out[fmt.Sprint(tip.Number)] = tip
		}
		return out
	}
	numberOf := map[string]string{}
	for _, tip := range h.tips() {
		numberOf[tip.Text] = fmt.Sprint(tip.Number)
	}

	h.fake.Dispatch("MESSAGE_REACTION_REMOVE_EMOJI", fmt.Sprintf(`{"channel_id": %q, "guild_id": %q, "message_id": "600000000000000011", "emoji": %s}`,
		general, guildID, unicodeEmoji("💡")))
	h.fake.Dispatch("MESSAGE_REACTION_REMOVE_EMOJI", fmt.Sprintf(`{"channel_id": %q, "guild_id": %q, "message_id": "600000000000000012", "emoji": %s}`,
		general, guildID, unicodeEmoji("👍")))
	h.fake.Dispatch("MESSAGE_REACTION_REMOVE_ALL", fmt.Sprintf(`{"channel_id": %q, "guild_id": %q, "message_id": "600000000000000013"}`,
		general, guildID))
	h.fake.Dispatch("MESSAGE_DELETE_BULK", fmt.Sprintf(`{"ids": ["600000000000000014", "600000000000000099"], "channel_id": %q, "guild_id": %q}`,
		general, guildID))
	wait.Until(t, "clears and the bulk deletion", func() bool {
		tips := byNumber()
		return tips[numberOf["Tip number 1"]].Votes == 0 && tips[numberOf["Tip number 2"]].Votes == 2 &&
			tips[numberOf["Tip number 3"]].Votes == 0 && tips[numberOf["Tip number 4"]].Text == ""
	})
	if tips := byNumber(); tips[numberOf["Tip number 2"]].Text != "Tip number 2" {
		t.Fatalf("tip 2 = %+v; a 👍 clear and another message's deletion must leave it", tips[numberOf["Tip number 2"]])
	}

	h.fake.Dispatch("CHANNEL_DELETE", fmt.Sprintf(`{"id": %q, "type": 0, "guild_id": %q, "name": "general", "position": 0, "permission_overwrites": []}`,
		general, guildID))
	wait.Until(t, "the channel's deletion", func() bool { return byNumber()[numberOf["Tip number 2"]].Text == "" })
}

// TestAdapter_FindChannel: a typed #name is found among the server's
// channels the gateway described, case aside; a name no channel has is
// not found.
func TestAdapter_FindChannel(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.run()
	ref := bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID}
	wait.Until(t, "the guild's channels", func() bool {
		_, found, _ := h.adapter.FindChannel(context.Background(), ref, "General")
		return found
	})
	ch, _, err := h.adapter.FindChannel(context.Background(), ref, "General")
	if err != nil || ch.ID != general || ch.Private {
		t.Errorf("FindChannel(General) = %+v, %v; want #general, public", ch, err)
	}
	if _, found, _ := h.adapter.FindChannel(context.Background(), ref, "nowhere"); found {
		t.Error("found a channel nobody made")
	}
}
