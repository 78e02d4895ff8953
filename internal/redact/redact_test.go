package redact

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

func TestRedactor_String(t *testing.T) {
	r := New("signing-secret-1234", "short")
	for _, tc := range []struct{ name, in, want string }{
		{"KnownSecret", "bad signature with signing-secret-1234 here", "bad signature with [redacted] here"},
		{"ShortSecretsStay", "a short word", "a short word"},
		{"SlackBotToken", "auth xoxb-123-456-abcDEF failed", "auth [redacted] failed"},
		{"SlackAppToken", "token xapp-1-A1-2-ff", "token [redacted]"},
		{"ResponseURL", `Post "https://hooks.slack.com/commands/T1/2/secret": EOF`, `Post "https://hooks.slack.com/[redacted]": EOF`},
		{"DiscordWebhook", "PATCH https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb24.tok/messages/@original",
			"PATCH https://discord.com/api/v10/webhooks/123/[redacted]/messages/@original"},
		{"DiscordCallback", "/interactions/99/tok-en_1/callback?wait=true", "/interactions/99/[redacted]/callback?wait=true"},
		{"SocketTicket", "dial wss://wss-primary.slack.com/link/?ticket=abc-123&app_id=A1", "dial wss://wss-primary.slack.com/link/?ticket=[redacted]&app_id=A1"},
		{"DiscordBotToken", "token MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123 refused", "token [redacted] refused"},
		{"NothingToRemove", "dial tcp 127.0.0.1:5432: connection refused", "dial tcp 127.0.0.1:5432: connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.String(tc.in); got != tc.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedactor_ErrorCutsURLErrors(t *testing.T) {
	inner := &url.Error{Op: "Post", URL: "http://127.0.0.1:9/capability/path?x=1", Err: errors.New("connection refused")}
	err := fmt.Errorf("post reply: %w", errors.Join(errors.New("first"), inner))
	got := New().Error(err)
	if strings.Contains(got, "capability") || !strings.Contains(got, `Post "http://127.0.0.1:9/[redacted]": connection refused`) {
		t.Errorf("Error = %q; want the URL cut to its host", got)
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New("the-bot-token-value").Handler(slog.NewJSONHandler(&buf, nil)))
	ue := &url.Error{Op: "Post", URL: "https://hooks.slack.com/actions/T1/2/sekrit", Err: errors.New("EOF")}
	log.With(slog.String("bound", "the-bot-token-value")).WithGroup("g").Warn("failed with the-bot-token-value",
		slog.Any("error", ue), slog.Any("detail", struct{ Err *url.Error }{ue}),
		slog.Group("inner", slog.String("url", "https://hooks.slack.com/services/T/B/x")))
	out := buf.String()
	for _, leak := range []string{"the-bot-token-value", "sekrit", "actions/T1", "services/T"} {
		if strings.Contains(out, leak) {
			t.Errorf("log line holds %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, `https://hooks.slack.com/[redacted]`) {
		t.Errorf("log line lost the host of the failed call:\n%s", out)
	}
}
