package commands_test

import (
	"strings"
	"testing"
)

// TestPractice_ClearAnswers (issue 23): a save is confirmed in the same words
// whether typed or reacted; a tip line does not repeat the hashtags its text
// shows; from: takes a mention, a bare name or "me"; tips mine lists one's
// own tips.
func TestPractice_ClearAnswers(t *testing.T) {
	out := wiredConsole(t,
		"Pin your tool versions in CI #ops",
		"/react m1 bulb",
		"/cop save Keep builds green #ci",
		"/cop save Retry flaky tests once",
		"/cop tag 1 #ci",
		"/cop tips recent",
		"/as ada",
		"Smaller pull requests get better reviews",
		"/react m2 bulb",
		"/cop search from:me",
		"/cop search from:@me",
		"/cop search from:host green",
		"/cop search from:",
		"/cop search from:ada from:host",
		"/cop tips mine",
		"/as bob",
		"/cop tips mine",
	)
	for _, want := range []string{
		"Saved as tip 1, tagged #ops; add more with `/cop tag 1 #tag`.",
		"Saved as tip 2, tagged #ci; add more with `/cop tag 2 #tag`.",
		"Saved as tip 3; add tags with `/cop tag 3 #tag`.",
		"*1* Pin your tool versions in CI #ops — host · 1 vote · #ci\n",
		"*2* Keep builds green #ci — host\n",
		"ada #general> /cop search from:me\ncopbot (only you): Tips matching “from:@ada”",
		"ada #general> /cop search from:@me\ncopbot (only you): Tips matching “from:@ada”",
		"Tips matching “green from:@host”, best first:\n    *2* Keep builds green",
		"ada #general> /cop search from:\ncopbot (only you): Name one author, like `from:@ada` or `from:me`.",
		"ada #general> /cop search from:ada from:host\ncopbot (only you): Name one author",
		"ada #general> /cop tips mine\ncopbot (only you): Your tips, newest first:\n    *4* Smaller pull requests",
		"bob #general> /cop tips mine\ncopbot (only you): Your tips: none yet.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the console does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "#testing") {
		t.Errorf("an answer suggests #testing, a tag nobody used:\n%s", out)
	}
}
