package slack

import (
	"net/http"
	"strings"
	"testing"

	"github.com/copbot/copbot/internal/slackfake"
)

// TestHTTP_GuestsSeeWhatFacilitatorsAllow: a workspace guest sees nothing
// of the repository by default; with `guests own-channels`, only tips from
// the channels Slack says they are in.
func TestHTTP_GuestsSeeWhatFacilitatorsAllow(t *testing.T) {
	h := newHarness(t, nil)
	h.slack.AddUser(slackfake.User{ID: "U1", Name: "ada", Admin: true})
	h.slack.AddUser(slackfake.User{ID: "U9", Name: "guest", Guest: true})
	h.slack.SetMemberChannels("U9", "C-OPEN")
	run := func(user, channel, text string) string {
		t.Helper()
		status, body := do(t, h.request(t, "/slack/commands", "application/x-www-form-urlencoded",
			[]byte(commandForm(user, channel, strings.ToLower(channel), text, h.slack.ResponseURL("cmd")).Encode())))
		if status != http.StatusOK {
			t.Fatalf("%s answered %d", text, status)
		}
		_, got, _ := reply(t, body)
		return got
	}
	run("U1", "C-OPEN", "save Shared in the open channel #ops")
	run("U1", "C-STAFF", "save Staff only runbook #ops")
	for _, text := range []string{"search runbook", "tips", "tips #ops"} {
		if got := run("U9", "C-OPEN", text); !strings.Contains(got, "Guests of this workspace don't see") {
			t.Errorf("a guest's %q = %q; want it refused", text, got)
		}
	}
	run("U1", "C-OPEN", "config guests own-channels")
	got := run("U9", "C-OPEN", "tips")
	if !strings.Contains(got, "Shared in the open channel") || strings.Contains(got, "Staff only") {
		t.Errorf("a guest's tips = %q; want only the open channel's", got)
	}
	if got := run("U9", "C-OPEN", "search runbook"); strings.Contains(got, "Staff only") {
		t.Errorf("a guest's search found the staff tip: %q", got)
	}
	if got := run("U1", "C-OPEN", "search runbook"); !strings.Contains(got, "Staff only") {
		t.Errorf("a member's search = %q; want the staff tip", got)
	}
}
