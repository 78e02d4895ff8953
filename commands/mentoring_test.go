package commands_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

var slackT1 = bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}

func TestCore_MentoringIntroduction(t *testing.T) {
	ctx := context.Background()

	t.Run("OpensAConversationWithBoth", func(t *testing.T) {
		pool := dbtest.Pool(t)
		slack := &fakeGroupChat{}
		core, _ := newIdleCore(t, pool, slack)
		jobs := startBackground(t, core, nil).Jobs()
		c := &chat{tb: t, core: core}
		c.cmd("U1", "mentor offer testing")
		mustContain(t, c.cmd("U2", "mentor request Testing"), "matched with", "pairing 1", "matched on #testing")

		if len(slack.opened) != 1 || !slices.Equal(slack.opened[0], []string{"U1", "U2", "C1"}) {
			t.Fatalf("conversations opened: %v; want one with U1 and U2, from C1 where the request was made", slack.opened)
		}
		intro := slack.sent("Mentoring introduction")
		if len(intro) != 1 {
			t.Fatalf("%d introductions, want 1: %+v", len(intro), slack.notices)
		}
		n := intro[0]
		if n.ChannelID != "G-U1-U2" || n.Reply.Visibility != bot.InChannel {
			t.Errorf("introduction went to %q (visibility %d); want the group conversation, for both", n.ChannelID, n.Reply.Visibility)
		}
		var mentions []string
		for _, sp := range n.Reply.Text {
			if sp.Kind == bot.Mention {
				mentions = append(mentions, sp.Text)
			}
		}
		if !slices.Contains(mentions, "U1") || !slices.Contains(mentions, "U2") {
			t.Errorf("the introduction mentions %v; want both U1 and U2", mentions)
		}
		var buttons []string
		for _, b := range n.Reply.Buttons {
			buttons = append(buttons, b.Command)
		}
		if !slices.Equal(buttons, []string{"mentor accept 1", "mentor decline 1"}) {
			t.Fatalf("buttons run %v; want accept and decline of pairing 1", buttons)
		}
		// A button runs its command as whoever presses it.
		mustContain(t, c.cmd("U2", buttons[0]), "You're not the mentor of pairing 1, so you can't accept it.")
		mustContain(t, c.cmd("U1", buttons[0]), "You accepted pairing 1")
		if got := slack.sent("accepted pairing 1"); len(got) != 1 || got[0].ChannelID != "G-U1-U2" {
			t.Errorf("acceptance notices: %+v; want one in the conversation", got)
		}

		// The introduction's job run again sends nothing a second time.
		var community, pairing int64
		if err := pool.QueryRow(ctx, "SELECT community_id, id FROM pairings WHERE number = 1").Scan(&community, &pairing); err != nil {
			t.Fatal(err)
		}
		_, err := jobs.Insert(ctx, knowledge.MentoringNoticesArgs{CommunityID: community,
			Notices: []knowledge.MentoringNotice{{PairingID: pairing, Event: knowledge.NoticeIntro}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := core.Settle(ctx, slackT1); err != nil {
			t.Fatal(err)
		}
		if got := len(slack.sent("Mentoring introduction")); got != 1 || len(slack.opened) != 1 {
			t.Errorf("after the job ran again: %d introductions, %d conversations; want 1 and 1", got, len(slack.opened))
		}
	})

	t.Run("DirectMessagesWithoutConversations", func(t *testing.T) {
		pool := dbtest.Pool(t)
		slack := &fakeSlack{}
		core, _ := newCore(t, pool, slack)
		c := &chat{tb: t, core: core}
		c.cmd("U1", "mentor offer testing")
		c.cmd("U2", "mentor request testing")
		intro := slack.sent("Mentoring introduction")
		if len(intro) != 2 {
			t.Fatalf("%d introductions, want a direct message to each: %+v", len(intro), slack.notices)
		}
		byUser := map[string]bot.Notice{}
		for _, n := range intro {
			if n.ChannelID != "" {
				t.Errorf("introduction to %s posted in %q; want a direct message", n.UserID, n.ChannelID)
			}
			byUser[n.UserID] = n
		}
		if len(byUser["U1"].Reply.Buttons) != 2 || len(byUser["U2"].Reply.Buttons) != 0 {
			t.Errorf("buttons: mentor %d, mentee %d; want Accept and Decline for the mentor only",
				len(byUser["U1"].Reply.Buttons), len(byUser["U2"].Reply.Buttons))
		}
	})
}

// TestCore_MentoringFollowUpSurvivesRestart schedules follow-ups, stops the
// job runner before they are due, and starts a new one: the follow-up of
// the pairing that goes on reaches both people once, and the one of a
// pairing that ended meanwhile sends nothing.
func TestCore_MentoringFollowUpSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	slack := &fakeSlack{}
	core, _ := newIdleCore(t, pool, slack)
	first := startBackground(t, core, nil)
	c := &chat{tb: t, core: core}
	// About 5 s: more than the setting takes (whole days), as a value
	// stored before that rule is still read.
	c.cmd("UADMIN", "help")
	if _, err := pool.Exec(ctx, `INSERT INTO community_settings (community_id, key, value)
		SELECT id, 'mentor-followup-days', '0.00006' FROM communities WHERE platform = 'slack'`); err != nil {
		t.Fatal(err)
	}
	c.cmd("U1", "mentor offer testing capacity 2")
	c.cmd("U2", "mentor request testing")
	c.cmd("U3", "mentor request testing")
	c.cmd("U1", "mentor accept 1")
	mustContain(t, c.cmd("U3", "mentor end 2 confirm"), "Pairing 2 with u1 has ended")
	c.cmd("U4", "mentor request testing") // pairing 3, which U1 leaves unanswered
	if err := first.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if n := followUpJobs(t, pool, "scheduled", "available"); n != 3 || len(slack.sent("Have you met?")) != 0 {
		t.Fatalf("%d follow-up jobs waiting after the stop, want 2", n)
	}

	startBackground(t, core, nil)
	if !wait.Within(wait.Timeout, func() bool { return followUpJobs(t, pool, "completed") >= 3 }) {
		t.Fatalf("follow-ups did not run after the restart; %d completed", followUpJobs(t, pool, "completed"))
	}
	got := slack.sent("Have you met?")
	var to []string
	for _, n := range got {
		mustContain(t, n.Reply.Text.String(), "(pairing 1, on #testing)")
		to = append(to, n.UserID)
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"U1", "U2"}) {
		t.Fatalf("follow-ups went to %v; want U1 and U2 once each, and nothing about the ended pairing", to)
	}
	// The mentor who never answered pairing 3 is asked again, with the buttons.
	reminder := slack.sent("was introduced to you (pairing 3)")
	if len(reminder) != 1 || reminder[0].UserID != "U1" || len(reminder[0].Reply.Buttons) != 2 {
		t.Fatalf("reminders about pairing 3: %+v; want one to U1 with Accept and Decline", reminder)
	}
}

// followUpJobs counts the follow-up jobs in the given states.
func followUpJobs(tb testing.TB, pool *pgxpool.Pool, states ...string) int {
	tb.Helper()
	return dbtest.Count(tb, pool, `SELECT count(*) FROM river_job
		WHERE kind = 'mentoring_notices' AND args->'notices'->0->>'event' = 'followup' AND state = ANY($1)`, states)
}

func TestCore_MentoringWelcome(t *testing.T) {
	pool := dbtest.Pool(t)
	slack := &fakeSlack{}
	core, _ := newCore(t, pool, slack)
	c := &chat{tb: t, core: core}
	welcomes := func(user string) []bot.Notice {
		var out []bot.Notice
		for _, n := range slack.sent("") {
			if n.UserID == user && n.ChannelID == "" {
				out = append(out, n)
			}
		}
		return out
	}
	c.event(bot.MemberJoined, "U5", "")
	c.event(bot.MemberJoined, "U5", "") // joins again, or the platform resends
	if got := welcomes("U5"); len(got) != 1 || !strings.Contains(got[0].Reply.Text.String(), "/cop mentor request <topics>") {
		t.Fatalf("welcomes to U5: %+v; want one that explains /cop mentor request", got)
	}
	c.event(bot.MemberJoined, "UADMIN", "")
	if got := welcomes("UADMIN"); len(got) != 0 {
		t.Errorf("an admin was welcomed: %+v", got)
	}
	c.cmd("UADMIN", "config welcome off")
	c.event(bot.MemberJoined, "U6", "")
	if got := welcomes("U6"); len(got) != 0 {
		t.Errorf("welcomed with the welcome off: %+v", got)
	}
	c.cmd("UADMIN", "config welcome Hi <!channel>, read the pinned guide")
	c.event(bot.MemberJoined, "U7", "")
	got := welcomes("U7")
	if len(got) != 1 || got[0].Reply.Text.String() != "Hi <!channel>, read the pinned guide" {
		t.Fatalf("custom welcome: %+v", got)
	}
	for _, sp := range got[0].Reply.Text {
		if sp.Kind != bot.UserText {
			t.Errorf("the community's own welcome text is sent as %v, want user text that adapters escape", sp.Kind)
		}
	}
	// A regular copbot has known for weeks joins a channel it watches: no
	// newcomer, no welcome.
	c.cmd("U8", "tips")
	if _, err := pool.Exec(context.Background(), `UPDATE members SET first_seen = now() - interval '30 days' WHERE platform_user_id = 'U8'`); err != nil {
		t.Fatal(err)
	}
	c.event(bot.MemberJoined, "U8", "")
	if got := welcomes("U8"); len(got) != 0 {
		t.Errorf("a member known for a month was welcomed: %+v", got)
	}
}

func TestCore_MentorCommands(t *testing.T) {
	pool := dbtest.Pool(t)
	core, _ := newCore(t, pool)
	script(t, core, "/join ada", "/join bob", "/as ada", "/cop mentor offer testing", "/as bob", "/cop mentor request testing")

	t.Run("FacilitatorOnlyCommandsArePolite", func(t *testing.T) {
		out := script(t, core, "/as bob", "/cop mentor list", "/cop mentor pair @ada @bob testing")
		mustContain(t, out, "Only facilitators can use `/cop mentor list`. `/cop facilitator list` shows who they are.",
			"Only facilitators can use `/cop mentor pair`.")
	})

	t.Run("BadInputChangesNothing", func(t *testing.T) {
		tests := []struct{ line, want string }{
			{"/cop mentor offer testing capacity 0", "`0` won't do for a capacity (how many mentees at once): give a whole number from 1 to 20"},
			{"/cop mentor offer testing capacity 500", "`500` won't do for a capacity"},
			{"/cop mentor offer testing capacity lots", "`lots` won't do for a capacity (how many mentees at once): give a whole number from 1 to 20, like `2`."},
			{"/cop mentor offer", "Name the topics, like `/cop mentor offer testing #ci`."},
			{"/cop mentor offer the and", "too common to match anyone on"},
			{"/cop mentor request @ada", "Topics are words or #tags"},
			{"/cop mentor pause until 2020-01-01", "2020-01-01 is not in the future"},
			{"/cop mentor pause until 2026-13-01", "2026-13-01 has no month 13"},
			{"/cop mentor pause tomorrow", "Pause takes only a date"},
			{"/cop mentor accept", "Which pairing?"},
			{"/cop mentor accept one", "`one` is not a pairing number"},
			{"/cop mentor accept 1", "You're not the mentor of pairing 1, so you can't accept it."},
			{"/cop mentor decline 9", "You're not the mentor of pairing 9, so you can't decline it."},
			{"/cop mentor end #1", "You're not in pairing 1"},
			{"/cop mentor end 99999999999999999999", "is not a pairing number"},
			{"/cop mentor decline 7", "You're not the mentor of pairing 7"},
			{"/cop mentor end 1 rating 9", "`9` won't do for a rating: give a whole number from 1 to 5, like `4`."},
			{"/cop mentor end 1 rating great", "`great` won't do for a rating: give a whole number from 1 to 5, like `4`."},
			{"/cop mentor frobnicate", "I don't know “/cop mentor frobnicate”."},
		}
		for _, tt := range tests {
			t.Run(tt.line, func(t *testing.T) {
				before := mentoringSnapshot(t, pool)
				mustContain(t, script(t, core, "/as cy", tt.line), tt.want)
				if after := mentoringSnapshot(t, pool); after != before {
					t.Errorf("%s changed mentoring:\nbefore %s\nafter  %s", tt.line, before, after)
				}
			})
		}
		// Ending someone else's pairing is refused too.
		before := mentoringSnapshot(t, pool)
		out := script(t, core, "/as cy", "/cop mentor end 1", "/cop mentor end 99")
		mustContain(t, out, "You're not in pairing 1; only its mentor", "You're not in pairing 99; only its mentor")
		if strings.Contains(out, "ada") || strings.Contains(out, "bob") {
			t.Errorf("a refusal names who is paired:\n%s", out)
		}
		if after := mentoringSnapshot(t, pool); after != before {
			t.Errorf("ending someone else's pairing changed mentoring")
		}
	})
}

// mentoringSnapshot digests the mentoring tables and the job queue.
func mentoringSnapshot(tb testing.TB, pool *pgxpool.Pool) string {
	tb.Helper()
	return dbtest.Snapshot(tb, pool, mentoringTables...)
}

// mentoringTables are what a mentoring command may change.
var mentoringTables = []string{"mentors", "mentoring_requests", "pairings", "mentoring_counters", "river_job"}

// flakyGroupChat opens a conversation but fails to add its members the
// first time (as Discord can after the thread exists), and fails the first
// post too.
type flakyGroupChat struct {
	fakeGroupChat
	failOpen, failPost bool
}

func (f *flakyGroupChat) OpenConversation(ctx context.Context, ref bot.CommunityRef, from string, users []string, topic string) (string, error) {
	id, _ := f.fakeGroupChat.OpenConversation(ctx, ref, from, users, topic)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failOpen {
		f.failOpen = false
		return id, errors.New("add member: 403")
	}
	return id, nil
}

func (f *flakyGroupChat) Notify(ctx context.Context, n bot.Notice) error {
	f.mu.Lock()
	fail := f.failPost
	f.failPost = false
	f.mu.Unlock()
	if fail {
		return errors.New("chat.postMessage: 500")
	}
	return f.fakeSlack.Notify(ctx, n)
}

// TestCore_MentoringIntroductionRetried: an introduction whose post failed
// is retried until it is sent, once, in the one conversation that was
// opened; one whose conversation half-opened (a member could not be added,
// so the mentor might never see it) goes to each of the two directly, once.
func TestCore_MentoringIntroductionRetried(t *testing.T) {
	for _, tt := range []struct {
		name    string
		flaky   *flakyGroupChat
		to      []string // the notices' recipients: a channel, or members
		channel string   // the conversation kept
	}{
		{"ConversationHalfOpened", &flakyGroupChat{failOpen: true}, []string{"U1", "U2"}, ""},
		{"PostFailed", &flakyGroupChat{failPost: true}, []string{"G-U1-U2"}, "G-U1-U2"},
		{"DirectMessageFailedForOne", &flakyGroupChat{failOpen: true, failPost: true}, []string{"U2", "U1"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			pool := dbtest.Pool(t)
			flaky := tt.flaky
			core, _ := newCore(t, pool, flaky)
			c := &chat{tb: t, core: core}
			c.cmd("U1", "mentor offer testing")
			c.cmd("U2", "mentor request testing")
			wait.Until(t, "the introduction", func() bool { return len(flaky.sent("Mentoring introduction")) == len(tt.to) })
			time.Sleep(300 * time.Millisecond) // nothing more may come
			var to []string
			for _, n := range flaky.sent("Mentoring introduction") {
				to = append(to, n.UserID+n.ChannelID)
			}
			if !slices.Equal(to, tt.to) {
				t.Errorf("introductions went to %v; want %v, once each", to, tt.to)
			}
			flaky.mu.Lock()
			opened := len(flaky.opened)
			flaky.mu.Unlock()
			if opened != 1 {
				t.Errorf("%d conversations opened; want one", opened)
			}
			var intro string
			if err := pool.QueryRow(ctx, `SELECT intro_channel FROM pairings`).Scan(&intro); err != nil || intro != tt.channel {
				t.Errorf("introduction channel %q (%v); want %q", intro, err, tt.channel)
			}
		})
	}
}

// failingOnce fails the first notice to one member, then works.
type failingOnce struct {
	fakeSlack
	user    string
	limited bool // a 429 rather than a 500
	failed  atomic.Bool
}

func (f *failingOnce) Notify(ctx context.Context, n bot.Notice) error {
	if n.UserID == f.user && f.failed.CompareAndSwap(false, true) {
		if f.limited {
			return &bot.RateLimitedError{RetryAfter: time.Second}
		}
		return errors.New("chat.postMessage: 500")
	}
	return f.fakeSlack.Notify(ctx, n)
}

// TestCore_NoticesReachEachRecipientOnce: a notice to two people that
// fails for one is retried for that one only, and a welcome that fails is
// sent by the retry, not dropped.
func TestCore_NoticesReachEachRecipientOnce(t *testing.T) {
	t.Run("EndedToBoth", func(t *testing.T) {
		flaky := &failingOnce{user: "U2"}
		core, _ := newCore(t, dbtest.Pool(t), flaky)
		c := &chat{tb: t, core: core}
		c.cmd("U1", "mentor offer testing")
		c.cmd("U2", "mentor request testing")
		c.cmd("U1", "mentor accept 1")
		c.cmd("UADMIN", "mentor end 1 confirm")
		wait.Until(t, "the end notice to both", func() bool { return len(flaky.sent("has ended")) == 2 })
		time.Sleep(300 * time.Millisecond) // nothing more may come
		var to []string
		for _, n := range flaky.sent("has ended") {
			to = append(to, n.UserID)
		}
		slices.Sort(to)
		if !slices.Equal(to, []string{"U1", "U2"}) {
			t.Errorf("the end notice went to %v; want U1 and U2 once each", to)
		}
	})
	for _, limited := range []bool{false, true} {
		t.Run(fmt.Sprintf("WelcomeRateLimited=%t", limited), func(t *testing.T) {
			flaky := &failingOnce{user: "U5", limited: limited}
			core, _ := newCore(t, dbtest.Pool(t), flaky)
			c := &chat{tb: t, core: core}
			c.event(bot.MemberJoined, "U5", "")
			wait.Until(t, "the welcome after a failed send", func() bool { return len(flaky.sent("Welcome")) == 1 })
			time.Sleep(300 * time.Millisecond) // nothing more may come
			if n := len(flaky.sent("Welcome")); n != 1 {
				t.Errorf("%d welcomes; want one", n)
			}
		})
	}
}

// TestCore_NoticeAfterAProcessDiedMidSend: a process claimed a welcome and
// died before sending it; once the claim's lease has run out, the job
// (retried or rescued) sends it, once. Mentoring notices, reminders,
// digests, story questions and invitations claim the same way.
func TestCore_NoticeAfterAProcessDiedMidSend(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	fake := &fakeSlack{}
	core, _ := newCore(t, pool, fake)
	store, err := knowledge.NewStore(pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c := &chat{tb: t, core: core}
	c.cmd("U5", "help") // copbot knows U5 before they join
	m, err := store.MemberByPlatformID(ctx, mustCommunity(t, store), "U5")
	if err != nil {
		t.Fatal(err)
	}
	// Another process took the welcome, claimed it, and died before sending.
	if _, claimed, err := store.ClaimWelcome(ctx, m.CommunityID, m.ID); err != nil || !claimed {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE mentoring_welcomes SET welcomed_at = now() - interval '3 minutes'`); err != nil {
		t.Fatal(err)
	}
	c.event(bot.MemberJoined, "U5", "")
	wait.Until(t, "the welcome", func() bool { return len(fake.sent("Welcome")) == 1 })
	time.Sleep(300 * time.Millisecond)
	if n := len(fake.sent("Welcome")); n != 1 {
		t.Errorf("%d welcomes; want one", n)
	}
}

func mustCommunity(t *testing.T, store *knowledge.Store) int64 {
	t.Helper()
	c, err := store.FindCommunity(context.Background(), string(slackT1.Platform), slackT1.ExternalID, "")
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}
