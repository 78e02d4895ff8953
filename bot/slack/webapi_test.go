package slack

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/slackfake"
)

var t1 = bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}

func TestFetchMessage(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000000.000100", BotID: "B1", SubType: "bot_message", Username: "deploybot", Text: "deployed v2"})
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000001.000100", User: "U1", Text: "hello"})

	t.Run("BotMessageIsABots", func(t *testing.T) {
		m, err := h.adapter.FetchMessage(ctx, t1, "C1", "1700000000.000100", "")
		if err != nil || !m.Author.IsBot || m.Author.Name != "deploybot" || m.Text != "deployed v2" {
			t.Errorf("FetchMessage = %+v, %v; want the bot's message marked as a bot's", m, err)
		}
	})
	t.Run("UnknownAuthorStillFetched", func(t *testing.T) {
		m, err := h.adapter.FetchMessage(ctx, t1, "C1", "1700000001.000100", "")
		if err != nil || m.Author.ID != "U1" || m.Author.Name != "" || m.Permalink == "" {
			t.Errorf("FetchMessage = %+v, %v; want the message, its permalink, and no name for a user users.info does not know", m, err)
		}
	})
	t.Run("MissingMessageIsGone", func(t *testing.T) {
		if _, err := h.adapter.FetchMessage(ctx, t1, "C1", "1700000002.000100", ""); !errors.Is(err, bot.ErrMessageGone) {
			t.Errorf("err = %v; want ErrMessageGone", err)
		}
	})
	t.Run("UnknownChannelIsGone", func(t *testing.T) {
		if _, err := h.adapter.FetchMessage(ctx, t1, "C404", "1700000000.000100", ""); !errors.Is(err, bot.ErrMessageGone) {
			t.Errorf("err = %v; want ErrMessageGone", err)
		}
	})
	t.Run("RateLimited", func(t *testing.T) {
		h.slack.Limit("conversations.history", 1)
		_, err := h.adapter.FetchMessage(ctx, t1, "C1", "1700000001.000100", "")
		var limited *bot.RateLimitedError
		if !errors.As(err, &limited) || limited.RetryAfter != time.Second {
			t.Errorf("err = %v; want *bot.RateLimitedError{RetryAfter: 1s}", err)
		}
	})
}

func TestNotify(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	tests := []struct {
		name    string
		notice  bot.Notice
		methods []string
		channel string
	}{
		{"EphemeralToMemberInChannel", bot.Notice{Community: t1, ChannelID: "C1", UserID: "U2", Reply: bot.Reply{Text: bot.Plain("Saved as tip 1.")}},
			[]string{"chat.postEphemeral"}, "C1"},
		{"ChannelPost", bot.Notice{Community: t1, ChannelID: "C1", UserID: "U2", Reply: bot.Reply{Text: bot.Plain("Weekly digest"), Visibility: bot.InChannel}},
			[]string{"chat.postMessage"}, "C1"},
		{"DirectMessage", bot.Notice{Community: t1, UserID: "U2", Reply: bot.Reply{Text: bot.Plain("You have a mentee")}},
			[]string{"chat.postMessage"}, "DU2"},
		{"EphemeralWithChartGoesToDM", bot.Notice{Community: t1, ChannelID: "C1", UserID: "U2", Reply: bot.Reply{Text: bot.Plain("Progress"),
			Files: []bot.File{{Name: "objective-3.png", ContentType: "image/png", Data: []byte("\x89PNG fake"), AltText: "a chart"}}}},
			[]string{"chat.postEphemeral", "files.completeUploadExternal"}, "C1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.adapter.Notify(ctx, tt.notice); err != nil {
				t.Fatal(err)
			}
			for i, m := range tt.methods {
				p := nextPost(t, h.slack, time.Second)
				if p.Method != m {
					t.Errorf("post %d = %s; want %s", i, p.Method, m)
				}
				if i == 0 && (p.Channel != tt.channel || !strings.Contains(p.Text, tt.notice.Reply.Text.String())) {
					t.Errorf("post = %+v; want the notice in %s", p, tt.channel)
				}
				if m == "files.completeUploadExternal" && (p.Channel != "DU2" || !strings.Contains(p.Text, "objective-3.png")) {
					t.Errorf("upload = %+v; want the file shared in the member's DM, not the channel", p)
				}
			}
		})
	}
	var uploaded string
	for _, data := range h.slack.Uploads() {
		uploaded = string(data)
	}
	if uploaded != "\x89PNG fake" {
		t.Errorf("uploaded %q; want the file's bytes", uploaded)
	}

	t.Run("ButtonsGoAsBlocks", func(t *testing.T) {
		err := h.adapter.Notify(ctx, bot.Notice{Community: t1, ChannelID: "GU1U2", Reply: bot.Reply{Visibility: bot.InChannel,
			Text: bot.Plain("Meet your mentor"), Buttons: []bot.Button{{Label: "End pairing", Command: "mentor end 1", Style: "danger"}}}})
		if err != nil {
			t.Fatal(err)
		}
		p := nextPost(t, h.slack, time.Second)
		if p.Method != "chat.postMessage" || !strings.Contains(p.Blocks, `"value":"mentor end 1"`) || !strings.Contains(p.Blocks, `"style":"danger"`) {
			t.Errorf("post = %+v; want blocks with the button", p)
		}
	})
}

func TestOpenConversation(t *testing.T) {
	h := newHarness(t, nil)
	id, err := h.adapter.OpenConversation(context.Background(), t1, "C1", []string{"U1", "U2"}, "mentoring")
	if err != nil || id != "GU1U2" {
		t.Errorf("OpenConversation = %q, %v; want the group DM Slack opened", id, err)
	}
}
