package discord

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/storetest"
	"github.com/copbot/copbot/internal/wait"
)

type gaugeValue struct{ v float64 }

func (g *gaugeValue) Set(v float64) { g.v = v }

func TestSpool_KeepsOrderAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	g := &gaugeValue{}
	s, err := openSpool(dir, g)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openSpool(dir, g); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second process opened the same spool: %v", err)
	}
	for _, id := range []string{"e1", "e2", "e3"} {
		if err := s.Append(&bot.Event{ID: id, Kind: bot.ReactionAdded, Emoji: "💡"}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s, err = openSpool(dir, g)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Len() != 3 || g.v != 3 {
		t.Fatalf("reopened spool has %d events (gauge %v), want 3", s.Len(), g.v)
	}
	// A file that cannot be read is set aside, not replayed forever.
	names, _ := filepath.Glob(filepath.Join(dir, "*"+spoolExt))
	os.WriteFile(names[1], []byte("{not json"), 0o600)
	var got []string
	for {
		ev, name, err := s.Head()
		if err != nil {
			if !strings.Contains(err.Error(), "set aside") {
				t.Errorf("Head: %v", err)
			}
			continue
		}
		if ev == nil {
			break
		}
		got = append(got, ev.ID+ev.Emoji)
		if err := s.Done(name); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, ",") != "e1💡,e3💡" || s.Len() != 0 || g.v != 0 {
		t.Errorf("replayed %v, %d left; want e1 and e3 in order, none left", got, s.Len())
	}
	if bad, _ := filepath.Glob(filepath.Join(dir, "*.bad")); len(bad) != 1 {
		t.Errorf("set-aside files: %v", bad)
	}
	s.Append(&bot.Event{ID: "e4"})
	if ev, _, _ := s.Head(); ev == nil || ev.ID != "e4" {
		t.Errorf("after replay the spool numbers on: %v", ev)
	}
}

func TestAdapter_DatabaseDownSpoolsEvents(t *testing.T) {
	cluster, pool := dbtest.OwnCluster(t)
	spoolDir := t.TempDir()
	h := newHarness(t, harnessOptions{pool: pool, spool: spoolDir})
	spoolDir = h.adapter.spoolDir()
	h.run()
	h.fake.addMessage(general, "600000000000000001", bobID, "Bob", "Rotate the on-call weekly")
	h.fake.addMessage(general, "600000000000000002", adaID, "Ada", "Write the runbook first")
	// The community exists before the outage, as it would in production.
	asAdmin(h, "help")

	cluster.Shutdown()
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(adaID, "Ada", general, "600000000000000001", unicodeEmoji("💡")))
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(bobID, "Bob", general, "600000000000000001", unicodeEmoji("💡")))
	h.fake.Dispatch("MESSAGE_REACTION_ADD", reactionAdd(modID, "Mod", general, "600000000000000002", unicodeEmoji("💡")))
	h.fake.Dispatch("MESSAGE_REACTION_REMOVE", fmt.Sprintf(`{"user_id": %q, "channel_id": %q, "message_id": "600000000000000001", "guild_id": %q, "emoji": {"id": null, "name": "💡"}, "burst": false, "type": 0}`, bobID, general, guildID))
	wait.Until(t, "four events spooled", func() bool {
		files, _ := filepath.Glob(filepath.Join(spoolDir, "*"+spoolExt))
		return len(files) == 4
	})

	// A command during the outage gets a friendly answer.
	id, _, p := interaction(2, adaID, "1024", slash(`[{"name": "tips", "type": 1}]`))
	h.fake.Dispatch("INTERACTION_CREATE", p)
	if cb := h.callback(id); !strings.Contains(cb.Data.Content, "can't reach my database") {
		t.Errorf("command during the outage answered %q", cb.Data.Content)
	}

	if err := cluster.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "spool replayed", func() bool {
		files, _ := filepath.Glob(filepath.Join(spoolDir, "*"+spoolExt))
		return len(files) == 0
	})
	// In order: Ada's and Bob's votes, then Bob's removal: one vote left.
	// Capture jobs run concurrently, so the tips' numbers may come in either order.
	votes := map[string]int{}
	for _, tip := range h.waitTips(2) {
		votes[tip.Text] = tip.Votes
	}
	if len(votes) != 2 || votes["Rotate the on-call weekly"] != 1 || votes["Write the runbook first"] != 1 {
		t.Errorf("votes after the outage = %v; want one each", votes)
	}
}

func TestAdapter_ReplaysWhatAPreviousRunSpooled(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	s, err := openSpool(h.adapter.spoolDir(), &gaugeValue{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Append(&bot.Event{ID: "guild_member_add:session-0:7", Kind: bot.MemberJoined,
		Community: bot.CommunityRef{Platform: bot.Discord, ExternalID: guildID}, User: bot.User{ID: "500000000000000042", Name: "Early"}})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	wait.Until(t, "the spooled join recorded", func() bool {
		m, ok := storetest.Member(t, h.store, guildRef, "500000000000000042")
		return ok && m.DisplayName == "Early"
	})
}
