package commands_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// How the isolation test plays scripts: one core serving Slack and
// Discord on a fresh database, every event settled before the next, and
// what each workspace saw kept apart.

// tenantSeen is what one workspace's members saw (every reply, in order),
// the notices it was sent (sorted: jobs send them when they run), and the
// repositories of its communities.
type tenantSeen struct {
	transcript string
	notices    string
	repos      map[string][]knowledge.ExportedTip // by community, "slack:TA/fe"
}

func (s tenantSeen) difference(other tenantSeen) string {
	a, _ := json.MarshalIndent(s.repos, "", " ")
	b, _ := json.MarshalIndent(other.repos, "", " ")
	for _, part := range []struct{ name, alone, together string }{
		{"replies", s.transcript, other.transcript}, {"notices", s.notices, other.notices}, {"repositories", string(a), string(b)},
	} {
		if part.alone != part.together {
			return part.name + ", " + firstDifference(part.alone, part.together)
		}
	}
	return ""
}

// tenantCaptures are the values a reply gives that later steps of a script
// name: {TA.code}, {TA.tip}, {TA.offer}.
var tenantCaptures = map[string]*regexp.Regexp{
	"code":  linkCode,
	"tip":   regexp.MustCompile(`Saved as tip (\d+)`),
	"offer": regexp.MustCompile(`\(their offer (\d+)\)`),
}

var tenantPlaceholder = regexp.MustCompile(`\{(\w+\.\w+)\}`)

// tenantRun plays the scripts of some workspaces, interleaved one event at
// a time (in the order of their names), against a fresh database with one
// core serving Slack and Discord, pressing the first button of a command's
// reply, and returns per workspace what it saw. Link codes are random, so
// the transcripts show the command as scripted and a placeholder for every
// code a reply gave.
func tenantRun(t *testing.T, scripts map[bot.CommunityRef][]*bot.Event) map[string]tenantSeen {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	log := &worldLog{notices: map[string][]string{}}
	core, _ := newCore(t, pool, &worldChat{platform: bot.Slack, log: log}, &worldChat{platform: bot.Discord, log: log})
	store, err := knowledge.NewStore(pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	refs := slices.SortedFunc(maps.Keys(scripts), func(a, b bot.CommunityRef) int { return strings.Compare(a.String(), b.String()) })
	seen := map[string]*strings.Builder{}
	for _, ref := range refs {
		seen[ref.ExternalID] = &strings.Builder{}
	}
	values := map[string]string{}
	var codes []string
	normal := func(s string) string {
		for _, c := range codes {
			s = strings.ReplaceAll(s, c, "XXXX-XXXX")
		}
		return s
	}
	for i := 0; ; i++ {
		played := false
		for _, ref := range refs {
			if i >= len(scripts[ref]) {
				continue
			}
			played = true
			ws, ev := ref.ExternalID, *scripts[ref][i]
			ev.Community = ref
			scripted := ev.Text
			ev.Text = tenantPlaceholder.ReplaceAllStringFunc(ev.Text, func(p string) string {
				return cmp.Or(values[p[1:len(p)-1]], "none")
			})
			// A reply's first button is pressed at once, as Slack sends a
			// press: its command, run as the member.
			for pressed := false; ; pressed = true {
				replies, err := core.HandleEvent(ctx, &ev)
				if err != nil {
					t.Fatalf("%s event %s: %v", ws, ev.ID, err)
				}
				// A linked server's events are applied in the community
				// it is linked into: every workspace of the run settles.
				for _, r := range refs {
					settle(t, core, r)
				}
				fmt.Fprintf(seen[ws], "%s %s %s %s:", ev.ID, ev.User.ID, ev.Channel.ID, scripted)
				var button string
				for _, r := range replies {
					text := r.Text.String()
					for name, re := range tenantCaptures {
						if m := re.FindStringSubmatch(text); m != nil {
							values[ws+"."+name] = m[1]
							if name == "code" {
								codes = append(codes, m[1])
							}
						}
					}
					fmt.Fprintf(seen[ws], " %s\n", normal(text))
					if len(r.Buttons) > 0 && button == "" {
						button = r.Buttons[0].Command
					}
				}
				fmt.Fprintln(seen[ws])
				if button == "" || pressed || ev.Kind != bot.Command {
					break
				}
				ev.ID, ev.Text, scripted = ev.ID+"-button", button, button
			}
		}
		if !played {
			break
		}
	}
	out := map[string]tenantSeen{}
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, wrong := range log.wrong {
		t.Errorf("an adapter was asked: %s", wrong)
	}
	for _, ref := range refs {
		ws := ref.ExternalID
		notices := slices.Sorted(slices.Values(log.notices[ws]))
		s := tenantSeen{transcript: seen[ws].String(), notices: normal(strings.Join(notices, "\n")), repos: map[string][]knowledge.ExportedTip{}}
		for _, name := range []string{"", "fe"} {
			c, err := store.FindCommunity(ctx, string(ref.Platform), ws, name)
			if errors.Is(err, knowledge.ErrNotFound) {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			tips, err := store.ExportTips(ctx, c.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tips {
				tips[i].SavedAt = time.Time{} // times differ between runs
			}
			s.repos[bot.CommunityRef{Platform: ref.Platform, ExternalID: ws, Name: name}.String()] = tips
		}
		out[ws] = s
	}
	return out
}

// worldChat is a platform of the isolation world. A fetched message names
// its channel and workspace ("Message G7.0003 in G7 of TA #ta"), so that
// a tip that crossed a boundary shows where it came from; notices are kept
// by the workspace they were sent to.
type worldChat struct {
	platform bot.Platform
	log      *worldLog
}

type worldLog struct {
	mu      sync.Mutex
	notices map[string][]string // by workspace
	wrong   []string            // calls for another platform, or with an id qualified by another workspace
}

func (c *worldChat) Name() string { return string(c.platform) }

func (c *worldChat) Run(ctx context.Context, _ bot.Handler) error { <-ctx.Done(); return nil }

func (c *worldChat) FetchMessage(_ context.Context, ref bot.CommunityRef, channelID, messageID, _ string) (bot.FetchedMessage, error) {
	c.log.check(c.platform, ref, "fetch", channelID, messageID)
	ws := ref.ExternalID
	return bot.FetchedMessage{
		Text:      fmt.Sprintf("Message %s in %s of %s #%s", messageID, channelID, ws, strings.ToLower(ws)),
		Author:    bot.User{ID: "U2", Name: "two"},
		Permalink: "https://" + ws + ".example/" + channelID + "/" + messageID,
		Private:   strings.HasPrefix(channelID, "D") || strings.HasPrefix(channelID, "G"),
	}, nil
}

func (c *worldChat) Notify(_ context.Context, n bot.Notice) error {
	c.log.check(c.platform, n.Community, "notice", n.ChannelID, n.UserID)
	c.log.mu.Lock()
	defer c.log.mu.Unlock()
	ws := n.Community.ExternalID
	c.log.notices[ws] = append(c.log.notices[ws], fmt.Sprintf("to %s in %s (%s): %s", n.UserID, n.ChannelID, n.Community, n.Reply.Text.String()))
	return nil
}

func (l *worldLog) check(platform bot.Platform, ref bot.CommunityRef, what string, ids ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ref.Platform != platform {
		l.wrong = append(l.wrong, fmt.Sprintf("%s: %s of %s", platform, what, ref))
	}
	for _, id := range ids {
		if strings.HasPrefix(id, "~") {
			l.wrong = append(l.wrong, fmt.Sprintf("%s: %s of %s with the id %s", platform, what, ref, id))
		}
	}
}

func settle(t *testing.T, core *commands.Core, ref bot.CommunityRef) {
	t.Helper()
	if err := core.Settle(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			return fmt.Sprintf("line %d\n  alone:    %s\n  together: %s", i+1, w[i], g[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d lines alone, %d together", len(w), len(g))
}
