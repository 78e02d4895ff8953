package discord

import (
	"fmt"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/storetest"
	"github.com/copbot/copbot/internal/wait"
)

// TestAdapter_RoutesByHomeChannel: once a channel is a community's home, a
// reaction there (a gateway dispatch) saves into that community, while the
// server's other channels stay the default community's.
func TestAdapter_RoutesByHomeChannel(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.run()
	const frontend = "400000000000000003"
	h.fake.Dispatch("CHANNEL_CREATE", fmt.Sprintf(`{"id": %q, "type": 0, "guild_id": %q, "name": "frontend", "position": 2,
		"permission_overwrites": []}`, frontend, guildID))
	if got := asAdmin(h, "community create frontend <#"+frontend+">"); !strings.Contains(got, "Created the community") {
		t.Fatalf("create: %s", got)
	}
	h.fake.addMessage(frontend, "600000000000000011", bobID, "Bob", "Use CSS grid for layout")
	h.fake.addMessage(general, "600000000000000012", bobID, "Bob", "Pin your tool versions")
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", frontend, "600000000000000011", unicodeEmoji("💡")))
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000012", unicodeEmoji("💡")))
	fe := bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID, Name: "frontend"}
	wait.Until(t, "a tip in each community", func() bool {
		inFe, inDefault := storetest.Tips(t, h.store, fe), h.tips()
		return len(inFe) == 1 && inFe[0].Text == "Use CSS grid for layout" && len(inDefault) == 1 && inDefault[0].Text == "Pin your tool versions"
	})
}
