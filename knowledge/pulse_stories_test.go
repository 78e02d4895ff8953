package knowledge_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// storyCommunity has, as of 2027-03-10 12:00, one pairing just ended,
// searches followed by saves, and members asked before.
func storyCommunity(t *testing.T, s *knowledge.Store) *history {
	h := newHistory(t, s, "T-stories")
	for _, name := range []string{"ada", "bob", "cy", "dan", "eve", "fay"} {
		h.member(name, "", "2026-06-01 00:00", "")
	}
	h.member("robot", "bot", "2026-06-01 00:00", "")
	h.tip("t1", "ada", "2027-02-01 12:00", false, false)
	h.tip("t2", "dan", "2027-02-01 12:00", false, false)
	h.tip("t3", "ada", "2027-02-01 12:00", false, false)

	// eve's pairing with ada ended yesterday: eve is asked.
	h.request("r1", "eve", "2027-02-01 12:00", "closed", "2027-03-09 12:00")
	h.pairing(1, "r1", "ada", "eve", "ended", "2027-02-01 13:00", "2027-02-02 12:00", "2027-03-09 12:00", "eve")
	// A pairing declined is not asked about.
	h.request("r2", "fay", "2027-02-01 12:00", "withdrawn", "2027-03-09 11:00")
	h.pairing(2, "r2", "ada", "fay", "declined", "2027-02-01 13:00", "", "2027-03-09 10:00", "ada")
	// bob saved t1 half an hour after a search showed it: a reuse.
	h.search("bob", "2027-03-09 10:00", 1, "t1", "t3")
	h.vote("bob", "t1", "2027-03-09 10:30")
	// cy saved t3 two hours after the search: too late to be its doing.
	h.search("cy", "2027-03-09 10:00", 1, "t3")
	h.vote("cy", "t3", "2027-03-09 12:00")
	// dan saved his own tip after finding it: not a reuse.
	h.search("dan", "2027-03-09 10:00", 1, "t2")
	h.vote("dan", "t2", "2027-03-09 10:10")
	// fay reused t1 too, but was asked ten days ago: not again so soon.
	h.search("fay", "2027-03-09 10:00", 1, "t1")
	h.vote("fay", "t1", "2027-03-09 10:05")
	h.exec(`INSERT INTO story_prompts (community_id, member_id, subject, subject_id, decided_at, sent_at)
		VALUES ($1, $2, 'tip', $3, $4, $4)`, h.c.ID, h.members["fay"], h.tips["t3"], at("2027-02-28 12:00"))
	// The bot "reused" a tip: bots are never asked.
	h.search("robot", "2027-03-09 10:00", 1, "t3")
	h.vote("robot", "t3", "2027-03-09 10:01")
	return h
}

type prompt struct {
	member, subject string
	id              int64
}

func prompts(t *testing.T, h *history) []prompt {
	t.Helper()
	rows, err := h.s.Pool().Query(context.Background(), `
		SELECT m.display_name, p.subject, p.subject_id FROM story_prompts p JOIN members m ON m.community_id = p.community_id AND m.id = p.member_id
		WHERE p.community_id = $1 AND p.decided_at > '2027-03-01' ORDER BY 1`, h.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []prompt
	for rows.Next() {
		var p prompt
		if err := rows.Scan(&p.member, &p.subject, &p.id); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func jobCount(t *testing.T, s *knowledge.Store, kind string) int {
	t.Helper()
	return dbtest.Count(t, s.Pool(), `SELECT count(*) FROM river_job WHERE kind = $1`, kind)
}

func TestStore_PlanStoryPrompts(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := storyCommunity(t, s)
	s.SetClock(func() time.Time { return at("2027-03-10 12:00") })

	// Three planners at once, as after a leader change: each question once.
	var wg sync.WaitGroup
	queued := make([]int, 3)
	for i := range queued {
		wg.Go(func() {
			n, err := s.PlanStoryPrompts(ctx)
			if err != nil {
				t.Error(err)
			}
			queued[i] = n
		})
	}
	wg.Wait()
	got := prompts(t, h)
	pairing := h.id(`SELECT id FROM pairings WHERE community_id = $1 AND number = 1`, h.c.ID)
	want := []prompt{{"bob", "tip", h.tips["t1"]}, {"eve", "pairing", pairing}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("asked %v, want %v", got, want)
	}
	if n := queued[0] + queued[1] + queued[2]; n != 2 || jobCount(t, s, knowledge.StoryPromptArgs{}.Kind()) != 2 {
		t.Errorf("queued %v questions (%d jobs), want 2", queued, jobCount(t, s, knowledge.StoryPromptArgs{}.Kind()))
	}
	// A day later, with a new reuse by bob: he was asked yesterday.
	h.search("bob", "2027-03-11 09:00", 1, "t3")
	h.vote("bob", "t3", "2027-03-11 09:10")
	s.SetClock(func() time.Time { return at("2027-03-11 12:00") })
	if n, err := s.PlanStoryPrompts(ctx); err != nil || n != 0 {
		t.Errorf("second planner queued %d (%v), want nothing", n, err)
	}
}

func TestStore_TellStory(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := storyCommunity(t, s)
	s.SetClock(func() time.Time { return at("2027-03-10 12:00") })
	if _, err := s.PlanStoryPrompts(ctx); err != nil {
		t.Fatal(err)
	}
	eve := h.facilitator("eve")
	eve.IsFacilitator = false

	// Before the question is sent, a story is told unasked.
	s.SetClock(func() time.Time { return at("2027-03-10 12:01") })
	args := knowledge.StoryPromptArgs{CommunityID: h.c.ID, MemberID: eve.ID, Subject: knowledge.StoryAboutPairing,
		SubjectID: h.id(`SELECT id FROM pairings WHERE community_id = $1 AND number = 1`, h.c.ID)}
	p, claimed, err := s.ClaimStoryPrompt(ctx, args)
	if err != nil || !claimed {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	if p.Number != 1 || p.Other != "ada" || p.Member.Name() != "eve" {
		t.Errorf("question = %+v, want pairing 1 with ada, to eve", p)
	}
	if err := s.StoryPromptDelivered(ctx, args); err != nil {
		t.Fatal(err)
	}
	if _, again, err := s.ClaimStoryPrompt(ctx, args); err != nil || again {
		t.Errorf("second claim once delivered = %v, %v; want false", again, err)
	}

	for _, bad := range []string{"", "ok", strings.Repeat("a", knowledge.MaxStory+1)} {
		var invalid *knowledge.InvalidError
		if _, err := s.TellStory(ctx, eve, bad); !errors.As(err, &invalid) {
			t.Errorf("TellStory(%.10q) = %v, want an InvalidError", bad, err)
		}
	}
	story, err := s.TellStory(ctx, eve, "  I now ask for reviews early  ")
	if err != nil {
		t.Fatal(err)
	}
	if story.Text != "I now ask for reviews early" || story.Subject != knowledge.StoryAboutPairing || story.Number != 1 {
		t.Errorf("story = %+v, want the answer about pairing 1", story)
	}
	// The question is answered: a second story stands on its own, and
	// there is nothing to skip.
	second, err := s.TellStory(ctx, eve, "Pairing twice a week works")
	if err != nil || second.Subject != "" {
		t.Errorf("second story = %+v, %v; want one told unasked", second, err)
	}
	if skipped, err := s.SkipStory(ctx, eve); err != nil || skipped {
		t.Errorf("skip = %v, %v; want nothing to skip", skipped, err)
	}

	// bob declines his question.
	bob := h.facilitator("bob")
	bob.IsFacilitator = false
	if _, claimed, err := s.ClaimStoryPrompt(ctx, knowledge.StoryPromptArgs{CommunityID: h.c.ID, MemberID: bob.ID,
		Subject: knowledge.StoryAboutTip, SubjectID: h.tips["t1"]}); err != nil || !claimed {
		t.Fatalf("claim bob's = %v, %v", claimed, err)
	}
	if skipped, err := s.SkipStory(ctx, bob); err != nil || !skipped {
		t.Errorf("skip = %v, %v; want skipped", skipped, err)
	}
	if s, err := s.TellStory(ctx, bob, "Told anyway, later"); err != nil || s.Subject != "" {
		t.Errorf("story after skipping = %+v, %v; want one told unasked", s, err)
	}

	if _, err := s.Stories(ctx, eve, 10); !errors.Is(err, knowledge.ErrForbidden) {
		t.Errorf("stories for a member = %v, want ErrForbidden", err)
	}
	list, err := s.Stories(ctx, h.facilitator("ada"), 10)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, st := range list {
		texts = append(texts, st.Member.Name()+": "+st.Text)
	}
	sort.Strings(texts)
	if len(texts) != 3 || texts[0] != "bob: Told anyway, later" || texts[1] != "eve: I now ask for reviews early" {
		t.Errorf("stories = %v", texts)
	}
}

func TestStore_Invitations(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := newHistory(t, s, "T-invite")
	for _, name := range []string{"ada", "bob", "cy", "dan"} {
		h.member(name, "", "2026-06-01 00:00", "")
	}
	for i := range 12 {
		h.member(string(rune('k'+i))+"voter", "", "2026-06-01 00:00", "")
	}
	voters := func(tip string, n int, when string) {
		for i := range n {
			h.vote(string(rune('k'+i))+"voter", tip, when)
		}
	}
	// ada: 10 votes from others in the last 90 days, on two tips.
	h.tip("a1", "ada", "2027-02-01 12:00", false, false, "testing", "ci")
	h.tip("a2", "ada", "2027-02-10 12:00", false, false, "testing")
	voters("a1", 6, "2027-02-02 12:00")
	voters("a2", 4, "2027-02-11 12:00")
	h.vote("ada", "a2", "2027-02-11 12:00") // her own vote does not count
	// bob: 9 votes, one short.
	h.tip("b1", "bob", "2027-02-01 12:00", false, false)
	voters("b1", 9, "2027-02-02 12:00")
	// cy: 12 votes, but a mentor already.
	h.tip("c1", "cy", "2027-02-01 12:00", false, false)
	voters("c1", 12, "2027-02-02 12:00")
	h.exec(`INSERT INTO mentors (community_id, member_id, topics, capacity) VALUES ($1, $2, '{ci}', 2)`, h.c.ID, h.members["cy"])
	// dan: 11 votes, but said no thanks before he was ever asked.
	h.tip("d1", "dan", "2027-02-01 12:00", false, false)
	voters("d1", 11, "2027-02-02 12:00")
	dan := h.facilitator("dan")
	if err := s.DeclineInvitation(ctx, dan); err != nil {
		t.Fatal(err)
	}

	s.SetClock(func() time.Time { return at("2027-03-01 12:00") })
	if err := s.RefreshEngagement(ctx, h.c.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PlanInvitations(ctx, h.c.ID); err != nil || n != 1 {
		t.Fatalf("invitations queued = %d, %v; want ada's", n, err)
	}
	if n, err := s.PlanInvitations(ctx, h.c.ID); err != nil || n != 0 {
		t.Errorf("second planning queued %d, %v; want nothing", n, err)
	}
	args := knowledge.InvitationArgs{CommunityID: h.c.ID, MemberID: h.members["ada"]}
	inv, claimed, err := s.ClaimInvitation(ctx, args)
	if err != nil || !claimed {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	if inv.Member.Name() != "ada" || inv.Votes != 10 || strings.Join(inv.Tags, " ") != "testing ci" {
		t.Errorf("invitation = %+v, want ada with 10 votes, tags testing ci", inv)
	}
	var held *knowledge.HeldError
	if _, again, err := s.ClaimInvitation(ctx, args); again || !errors.As(err, &held) {
		t.Errorf("second claim while the first sends = %v, %v; want it held", again, err)
	}
}

func TestStore_InvitationsOff(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	h := newHistory(t, s, "T-invite-off")
	h.member("admin", "admin", "2026-06-01 00:00", "")
	h.member("ada", "", "2026-06-01 00:00", "")
	h.tip("a1", "ada", "2027-02-01 12:00", false, false)
	for i := range 10 {
		name := string(rune('k'+i)) + "voter"
		h.member(name, "", "2026-06-01 00:00", "")
		h.vote(name, "a1", "2027-02-02 12:00")
	}
	if _, err := s.SetConfig(ctx, h.facilitator("admin"), "mentor-invitations", "off"); err != nil {
		t.Fatal(err)
	}
	s.SetClock(func() time.Time { return at("2027-03-01 12:00") })
	if err := s.RefreshEngagement(ctx, h.c.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PlanInvitations(ctx, h.c.ID); err != nil || n != 0 {
		t.Errorf("invitations with the setting off = %d, %v; want none", n, err)
	}
}
