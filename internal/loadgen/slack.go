package loadgen

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SlackReaction is an Events API delivery of reaction_added (or
// reaction_removed, by kind) on a message, shaped as Slack sends it.
func SlackReaction(team, eventID, kind, user, emoji, channel, ts, author string) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "XXYYZZ", "team_id": team, "context_team_id": team, "api_app_id": "A1",
		"event": map[string]any{
			"type": kind, "user": user, "reaction": emoji, "item_user": author,
			"item":     map[string]any{"type": "message", "channel": channel, "ts": ts},
			"event_ts": "1700000100.000200",
		},
		"type": "event_callback", "event_id": eventID, "event_time": 1700000100,
		"authorizations": []map[string]any{{"enterprise_id": nil, "team_id": team, "user_id": "UBOT",
			"is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false, "event_context": "4-eyJldCI6InJlYWN0aW9uX2FkZGVkIn0",
	})
	return b
}

// SlackCommand is the form of a /cop slash command as Slack posts it;
// trigger makes its trigger_id, which copbot takes as the command's
// identity.
func SlackCommand(team, user, channel, channelName, text, responseURL, trigger string) url.Values {
	return url.Values{
		"token": {"gIkuvaNzQIHg97ATvDxqgjtO"}, "team_id": {team}, "team_domain": {"copbot-test"},
		"channel_id": {channel}, "channel_name": {channelName}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"command": {"/cop"}, "text": {text}, "api_app_id": {"A1"}, "is_enterprise_install": {"false"},
		"response_url": {responseURL}, "trigger_id": {"13345224609.738474920." + trigger},
	}
}

// SignSlack signs a request's body exactly as Slack does:
// v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)), with the
// timestamp in its own header.
func SignSlack(h http.Header, secret string, at time.Time, body []byte) {
	stamp := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", stamp)
	mac.Write(body)
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
