package slack

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/copbot/copbot/internal/coretest"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

// longText is n characters of text with accents, an emoji and the
// characters Slack escapes (&, <, >), with no quote or #tag, ending in a
// full stop (a space at either end would be trimmed).
func longText(n int) string {
	const pattern = "Café ☕ & <pairing> beats > solo; "
	var b strings.Builder
	for i := 0; i < n-1; {
		for _, r := range pattern {
			if i == n-1 {
				break
			}
			b.WriteRune(r)
			i++
		}
	}
	b.WriteString(".")
	return b.String()
}

// slackEscaped is text as Slack sends it in messages and commands.
var slackEscaped = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// tipText is the text of a saved tip of T1, and whether there is one.
func tipText(tb testing.TB, h *harness, number int) (string, bool) {
	tb.Helper()
	if tips := h.tips(tb); number <= len(tips) {
		return tips[number-1].Text, true
	}
	return "", false
}

// TestHTTP_CommandOfFortyThousandCharacters: Slack allows messages of
// 40,000 characters, so a /cop save that long (its text as Slack sends
// it, escaped, being longer still) keeps every character; a tip one
// character over the limit is refused with a reply that says so.
func TestHTTP_CommandOfFortyThousandCharacters(t *testing.T) {
	h := newHarness(t, nil)
	tip := longText(knowledge.MaxTipText - len("save "))
	status, body := h.command(t, "U1", slackEscaped("save "+tip))
	if _, text, _ := reply(t, body); status != http.StatusOK || text != "Saved as tip 1; add tags with `/cop tag 1 #tag`." {
		t.Fatalf("save of a 40,000-character command answered %d %q", status, text)
	}
	if got, ok := tipText(t, h, 1); !ok || got != tip {
		t.Errorf("tip 1 has %d characters, want the %d sent, unescaped", utf8.RuneCountInString(got), utf8.RuneCountInString(tip))
	}

	over := longText(knowledge.MaxTipText + 1)
	status, body = h.command(t, "U1", slackEscaped("save "+over))
	if _, text, _ := reply(t, body); status != http.StatusOK || text != "That tip is 40001 characters long; the limit is 40000." {
		t.Errorf("save of 40,001 characters answered %d %q; want the limit explained", status, text)
	}
	if n := len(h.tips(t)); n != 1 {
		t.Errorf("%d tips after a refused save; want 1", n)
	}

	// A search of 40,000 characters is answered (every word must match,
	// and tip 1 has no "pairingz").
	status, body = h.command(t, "U1", slackEscaped("search "+longText(knowledge.MaxTipText-len("search z"))+"z"))
	if _, text, _ := reply(t, body); status != http.StatusOK || !strings.HasPrefix(text, "No tips match “Café ☕ &amp; &lt;pairing&gt; beats") {
		t.Errorf("search of 40,000 characters answered %d %.300q; want no match", status, text)
	}
}

// TestHTTP_ReactionOnFortyThousandCharacters: a save reaction on a
// message of 40,000 characters (more as Slack sends it, escaped) captures
// all of it; on a longer one (which Slack itself would not allow) no tip
// is saved and the member who reacted is told why.
func TestHTTP_ReactionOnFortyThousandCharacters(t *testing.T) {
	h := newHarness(t, nil)
	coretest.RunJobs(t, h.core, nil)
	long, over := longText(knowledge.MaxTipText), longText(knowledge.MaxTipText+1)
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000000.000100", User: "U1", Text: slackEscaped(long)})
	h.slack.AddMessage("C1", slackfake.Message{TS: "1700000001.000100", User: "U1", Text: slackEscaped(over)})

	if status, _ := h.event(t, reactionPayload("EvLong", "reaction_added", "U2", "bulb", "C1", "1700000000.000100", "U1"), 0); status != http.StatusOK {
		t.Fatalf("reaction answered %d", status)
	}
	wait.Until(t, "the long tip", func() bool { return len(h.tips(t)) == 1 })
	if got, _ := tipText(t, h, 1); got != long {
		t.Errorf("the captured tip has %d characters; want all %d of the message", utf8.RuneCountInString(got), utf8.RuneCountInString(long))
	}
	if p := nextPost(t, h.slack, 5*time.Second); !strings.Contains(p.Text, "Saved as tip 1") {
		t.Errorf("confirmation %+v; want tip 1 saved", p)
	}
	if p := nextPost(t, h.slack, 5*time.Second); p.Channel != "DU1" || !strings.Contains(p.Text, "Your message was saved") {
		t.Errorf("note to the author %+v; want U1 told by direct message", p)
	}

	if status, _ := h.event(t, reactionPayload("EvOver", "reaction_added", "U3", "bulb", "C1", "1700000001.000100", "U1"), 0); status != http.StatusOK {
		t.Fatalf("reaction answered %d", status)
	}
	p := nextPost(t, h.slack, 10*time.Second)
	if p.Method != "chat.postEphemeral" || p.User != "U3" || p.Channel != "C1" ||
		p.Text != "That message is 40001 characters long, too long for a tip; the limit is 40000." {
		t.Errorf("notice %+v; want U3 told, privately in C1, that the message is too long", p)
	}
	// Storage itself: the refused message's tip must not stay pending, and
	// no store method lists tips waiting for their capture.
	if tips := dbtest.Count(t, h.pool, "SELECT count(*) FROM tips"); tips != 1 {
		t.Errorf("%d tips, saved or pending; want only tip 1", tips)
	}
}
