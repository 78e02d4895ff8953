package slack

import (
	"net/http"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/coretest"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/storetest"
	"github.com/copbot/copbot/internal/wait"
)

// TestSlack_RoutesByHomeChannel: once a channel is a community's home, a
// reaction there saves into that community and a command typed there acts
// on it, while the workspace's other channels stay the default
// community's, all from Slack's own deliveries.
func TestSlack_RoutesByHomeChannel(t *testing.T) {
	h := newHarness(t, nil)
	coretest.RunJobs(t, h.core, nil)
	h.slack.AddUser(slackfake.User{ID: "U1", Name: "admin", Admin: true})
	if status, body := h.command(t, "U1", "community create frontend <#C2|frontend>"); status != http.StatusOK ||
		!strings.Contains(body, "Created the community") {
		t.Fatalf("create = %d %s", status, body)
	}
	h.slack.AddMessage("C2", slackfake.Message{TS: "1700.1", User: "U2", Text: "Use CSS grid for layout"})
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700.2", User: "U2", Text: "Pin your tool versions"})
	for _, p := range [][]byte{
		reactionPayload("Ev1", "reaction_added", "U3", "bulb", "C2", "1700.1", "U2"),
		reactionPayload("Ev2", "reaction_added", "U3", "bulb", "C1", "1700.2", "U2"),
	} {
		if status, _ := h.event(t, p, 0); status != http.StatusOK {
			t.Fatalf("reaction answered %d", status)
		}
	}
	frontend := bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1", Name: "frontend"}
	wait.Until(t, "a tip in each community", func() bool {
		fe, def := storetest.Tips(t, h.store, frontend), h.tips(t)
		return len(fe) == 1 && fe[0].Text == "Use CSS grid for layout" && len(def) == 1 && def[0].Text == "Pin your tool versions"
	})
	status, body := do(t, h.request(t, "/slack/commands", "application/x-www-form-urlencoded",
		[]byte(commandForm("U3", "C2", "frontend", "tips", h.slack.ResponseURL("fe")).Encode())))
	if _, text, _ := reply(t, body); status != http.StatusOK || !strings.Contains(text, "Use CSS grid") || strings.Contains(text, "Pin your") {
		t.Errorf("/cop tips in #frontend answered %d %q; want frontend's tips alone", status, text)
	}
}
