package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/loadgen"
	"github.com/copbot/copbot/internal/wait"
)

// TestServe_LogsHoldNoSecrets makes the real `copbot serve` fail calls
// whose URLs are credentials, through the real Slack and Discord adapters:
// a click's reply to a Slack response URL on a closed port, then its
// fallback to a Web API that answers 500; a Discord answer with a file,
// edited in through the interaction's webhook on an API that answers 500
// with a body that repeats the URL and the Authorization header (as a
// proxy's error page may), then its fallback to a direct message; and the
// gateway, refused the same way. copbot logs at debug, and no line may
// hold a token, the signing secret, the response URL's path or the
// interaction's token.
func TestServe_LogsHoldNoSecrets(t *testing.T) {
	const (
		slackToken    = "xoxb-1111-2222-secretslacktoken"
		signing       = "log-secrets-signing-secret"
		discordToken  = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.log-secrets-discord-bot-token"
		appID         = "1098765432109876543"
		responseToken = "responseUrlSecretPath"
	)
	var calls atomic.Int64
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"message": "upstream failed for %s %s (%s)"}`, r.Method, r.URL, r.Header.Get("Authorization"))
	}))
	defer failing.Close()
	closed := freeAddr(t) // nothing listens there
	responseURL := "http://" + closed + "/actions/T1/123456/" + responseToken

	pub, key, _ := ed25519.GenerateKey(nil)
	addr, stop := startServe(t, "DATABASE_URL="+dbtest.URL(t), "COPBOT_LOG_LEVEL=debug",
		"SLACK_BOT_TOKEN="+slackToken, "SLACK_SIGNING_SECRET="+signing, "SLACK_API_URL="+failing.URL+"/slack/api/",
		"DISCORD_BOT_TOKEN="+discordToken, "DISCORD_APP_ID="+appID, "DISCORD_PUBLIC_KEY="+hex.EncodeToString(pub),
		"DISCORD_API_URL="+failing.URL+"/discord/api/v10/", "COPBOT_SPOOL_DIR="+t.TempDir())

	// Slack: a press on a copbot button, whose replies go to its response URL.
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U5", "username": "eve", "name": "eve", "team_id": "T1"},
		"api_app_id": "A1", "token": "9s8d9as89d8as9d8as989",
		"container":  map[string]any{"type": "message", "message_ts": "1700000100.000100", "channel_id": "C1"},
		"trigger_id": "13345224609.8534564800.6f8ab1f53e13d0cd15f96106292d5536",
		"team":       map[string]any{"id": "T1", "domain": "copbot-test"}, "channel": map[string]any{"id": "C1", "name": "general"},
		"response_url": responseURL,
		"actions": []map[string]any{{"action_id": "cop-0", "block_id": "a1B2", "value": "help", "type": "button",
			"text": map[string]any{"type": "plain_text", "text": "Help"}, "action_ts": "1700000101.000200"}},
	})
	body := []byte(url.Values{"payload": {string(payload)}}.Encode())
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/interactivity", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	loadgen.SignSlack(req.Header, signing, time.Now(), body)
	if status := do(t, req); status != http.StatusOK {
		t.Fatalf("signed click = %d; want 200", status)
	}

	// Discord: an administrator adds an objective, then asks to see it; its
	// chart cannot go in the response body, so copbot defers and edits it
	// in through the interaction's webhook.
	var tokens []string
	for i, options := range []string{
		`[{"name": "objective", "type": 2, "options": [{"name": "add", "type": 1, "options": [{"name": "text", "type": 3, "value": "\"Share tips\" target 5 due 2099-06-30"}]}]}]`,
		`[{"name": "objective", "type": 2, "options": [{"name": "show", "type": 1, "options": [{"name": "objective", "type": 3, "value": "1"}]}]}]`,
	} {
		id := strconv.Itoa(900000000000000000 + i)
		token := "aW50ZXJhY3Rpb246" + id + "secretInteractionToken"
		tokens = append(tokens, token)
		body := fmt.Sprintf(`{"id": %q, "application_id": %q, "type": 2, "token": %q, "version": 1,
			"guild_id": "700000000000000001", "channel_id": "700000000000000002",
			"member": {"user": {"id": "700000000000000003", "username": "ada"}, "roles": [], "permissions": "8"},
			"data": {"id": "910000000000000000", "name": "cop", "type": 1, "options": %s}}`, id, appID, token, options)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/discord/interactions", strings.NewReader(body))
		stamp := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set("X-Signature-Timestamp", stamp)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(stamp+body))))
		if status := do(t, req); status != http.StatusOK {
			t.Fatalf("signed interaction %d = %d; want 200", i, status)
		}
	}

	// The failing API has seen the first calls; the response URL's three
	// tries (with backoff) and the fallbacks follow within seconds.
	wait.Within(20*time.Second, func() bool { return calls.Load() >= 4 }) // the checks below say what went missing
	time.Sleep(3 * time.Second)
	stderr, _ := stop()

	for _, want := range []string{"slack reply not delivered at its response URL", "discord answer not delivered"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("copbot did not log %q; the failures this test checks did not happen. Log:\n%s", want, stderr)
		}
	}
	leaks := append([]string{slackToken, signing, discordToken, responseToken, "/actions/T1/123456"}, tokens...)
	for _, leak := range leaks {
		if strings.Contains(stderr, leak) {
			for line := range strings.Lines(stderr) {
				if strings.Contains(line, leak) {
					t.Errorf("a log line holds %q:\n%s", leak, line)
				}
			}
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("%d calls failed on purpose; copbot's warnings and errors:", calls.Load())
		for line := range strings.Lines(stderr) {
			if strings.Contains(line, `"level":"WARN"`) || strings.Contains(line, `"level":"ERROR"`) {
				t.Log(strings.TrimSpace(line))
			}
		}
	}
}

// do sends req and returns the status, 0 when there was no answer.
func do(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
