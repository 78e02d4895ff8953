package commands_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

// TestCore_BadEventIsSetAside: an event the database refuses (here a voter
// with no id, which an adapter must never send) is set aside with its
// error, and the events recorded after it are applied all the same.
func TestCore_BadEventIsSetAside(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	core, logs := newCore(t, pool)
	store, err := knowledge.NewStore(pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c, err := store.Community(ctx, "console", bot.ConsoleCommunityID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.RecordReaction(ctx, c.ID, "bad", knowledge.Reaction{Added: true, ChannelID: "general", MessageID: "m-bad",
		Message: &knowledge.Message{Text: "never saved"}}); err != nil {
		t.Fatal(err)
	}
	out := script(t, core, "Write the failing test first", "/react m1 bulb", "/cop tips")
	if !strings.Contains(out, "*1* Write the failing test first") {
		var state []string
		for _, q := range []string{
			`SELECT format('tip %s %s %s', id, state, source_message) FROM tips`,
			`SELECT format('inbox %s %s', id, event_id) FROM inbox`,
			`SELECT format('seen %s %s', event_id, error) FROM events_seen`,
			`SELECT format('job %s %s %s attempt %s %s', id, kind, state, attempt, errors) FROM river_job WHERE kind <> 'refresh_all'`,
		} {
			rows, err := pool.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			state = append(state, lines...)
		}
		t.Errorf("the good reaction after the bad one was not captured:\n%s\nstate:\n%s\nlogs:\n%s",
			out, strings.Join(state, "\n"), logs.String())
	}
	var setAside string
	if err := pool.QueryRow(ctx, `SELECT error FROM events_seen WHERE event_id = 'bad'`).Scan(&setAside); err != nil || !strings.Contains(setAside, "platform_user_id") {
		t.Errorf("the bad event's error = %q (%v); want the refused member", setAside, err)
	}
	if !strings.Contains(logs.String(), "inbox event set aside") || !strings.Contains(logs.String(), "event_id=bad") {
		t.Errorf("setting the event aside was not logged:\n%s", logs.String())
	}
}

// TestCore_TextPostgreSQLCannotStore: NUL bytes and invalid UTF-8 are
// dropped or replaced, not a failed command or event.
func TestCore_TextPostgreSQLCannotStore(t *testing.T) {
	ctx := context.Background()
	core, _ := newCore(t, dbtest.Pool(t))
	ref := bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}
	replies, err := core.HandleEvent(ctx, &bot.Event{ID: "c1", Kind: bot.Command, Community: ref,
		User: bot.User{ID: "U1", Name: "ada\x00"}, Text: "save Null\x00 bytes and \xff\xfe bad bytes #ci"})
	if err != nil || len(replies) != 1 || !strings.Contains(replies[0].Text.String(), "Saved as tip 1") {
		t.Fatalf("save = %v, %v", replies, err)
	}
	replies, _ = core.HandleEvent(ctx, &bot.Event{ID: "c2", Kind: bot.Command, Community: ref, User: bot.User{ID: "U1"}, Text: "tips"})
	if got := replies[0].Text.String(); !strings.Contains(got, "Null bytes and \uFFFD bad bytes #ci — ada") {
		t.Errorf("tips = %q; want the NUL dropped and the bad bytes replaced", got)
	}
	if _, err := core.HandleEvent(ctx, &bot.Event{ID: "r1", Kind: bot.ReactionAdded, Community: ref, Emoji: "bulb",
		User: bot.User{ID: ""}, Channel: bot.Channel{ID: "C1"}, Message: bot.MessageRef{ID: "1.1"}}); err != nil {
		t.Errorf("a reaction without a member: %v; want it ignored, not a retry", err)
	}
}

// failingFetcher is a Slack whose message fetches always fail.
type failingFetcher struct{ fakeSlack }

func (*failingFetcher) FetchMessage(context.Context, bot.CommunityRef, string, string, string) (bot.FetchedMessage, error) {
	return bot.FetchedMessage{}, errors.New("slack answered 500")
}

// TestCore_CaptureGivesUpOnItsLastAttempt: a capture whose message cannot be
// fetched, attempt after attempt, drops its pending tip on the last one, so
// that the next reaction to the message starts a capture afresh.
func TestCore_CaptureGivesUpOnItsLastAttempt(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	core, logs := newCore(t, pool, &failingFetcher{})
	ref := bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}
	react := func(id string) {
		t.Helper()
		if _, err := core.HandleEvent(ctx, &bot.Event{ID: id, Kind: bot.ReactionAdded, Community: ref, Emoji: "bulb",
			User: bot.User{ID: "U1"}, Channel: bot.Channel{ID: "C1"}, Message: bot.MessageRef{ID: "1700.1"}}); err != nil {
			t.Fatal(err)
		}
	}
	// One attempt only, so that the first is the last.
	if _, err := pool.Exec(ctx, `CREATE FUNCTION one_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN NEW.max_attempts := 1; RETURN NEW; END $$;
		CREATE TRIGGER one_attempt BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION one_attempt()`); err != nil {
		t.Fatal(err)
	}
	react("e1")
	wait.Until(t, "the pending tip to be given up", func() bool {
		return dbtest.Count(t, pool, `SELECT count(*) FROM tips`) == 0 && strings.Contains(logs.String(), "captures given up")
	})
	react("e2")
	wait.Until(t, "a new capture", func() bool {
		return dbtest.Count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'capture_tips'`) == 2
	})
}

// mixedFetcher fails one message for good and rate-limits another once.
type mixedFetcher struct {
	fakeSlack
	limited atomic.Bool
}

func (f *mixedFetcher) FetchMessage(_ context.Context, _ bot.CommunityRef, _, messageID, _ string) (bot.FetchedMessage, error) {
	switch {
	case messageID == "1700.1":
		return bot.FetchedMessage{}, errors.New("slack answered 500")
	case f.limited.CompareAndSwap(false, true):
		return bot.FetchedMessage{}, &bot.RateLimitedError{RetryAfter: time.Second}
	}
	return bot.FetchedMessage{Text: "Rate limits pass", Author: bot.User{ID: "U2", Name: "bob"}}, nil
}

// TestCore_LastAttemptLeavesNothingPending: on a capture's last attempt, a
// message that cannot be fetched is given up and one the platform asked to
// wait for is captured after the wait; neither stays pending.
func TestCore_LastAttemptLeavesNothingPending(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	core, _ := newIdleCore(t, pool, &mixedFetcher{})
	if _, err := pool.Exec(ctx, `CREATE FUNCTION one_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN NEW.max_attempts := 1; RETURN NEW; END $$;
		CREATE TRIGGER one_attempt BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION one_attempt()`); err != nil {
		t.Fatal(err)
	}
	ref := bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}
	for i, msg := range []string{"1700.1", "1700.2"} {
		if _, err := core.HandleEvent(ctx, &bot.Event{ID: fmt.Sprint("e", i), Kind: bot.ReactionAdded, Community: ref, Emoji: "bulb",
			User: bot.User{ID: "U1"}, Channel: bot.Channel{ID: "C1"}, Message: bot.MessageRef{ID: msg}}); err != nil {
			t.Fatal(err)
		}
	}
	startBackground(t, core, nil)
	wait.Until(t, "one tip saved and the other given up", func() bool {
		var saved, pending int
		_ = pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'saved' AND source_message = '1700.2'),
			count(*) FILTER (WHERE state = 'pending') FROM tips`).Scan(&saved, &pending)
		return saved == 1 && pending == 0
	})
}

// TestCore_VoteTakenBackAfterTheEmojiChanged: a vote cast with the save
// emoji of the time can be taken back after facilitators chose another;
// reactions with other emoji are counted as dropped, not lost.
func TestCore_VoteTakenBackAfterTheEmojiChanged(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	out := script(t, core, "Smaller pull requests get better reviews",
		"/as ada", "/react m1 bulb", "/react m1 thumbsup", "/cop tips",
		"/as host", "/cop config save-emoji star",
		"/as ada", "/unreact m1 bulb", "/cop tips")
	first, last, ok := strings.Cut(out, "save-emoji")
	if !ok || !strings.Contains(first, "*1* Smaller pull requests") {
		t.Fatalf("the tip was not saved before the change:\n%s", out)
	}
	if strings.Contains(last, "*1* Smaller pull requests") {
		t.Fatalf("ada's unreact with the former save emoji left the tip in the repository:\n%s", out)
	}
	if got := core.Dropped()["other_emoji"]; got != 1 {
		t.Fatalf("dropped for another emoji = %d, want 1 (the 👍)", got)
	}
}

// TestCore_RepeatedCommandRunsOnce: a member who saw no answer sends the
// same check-in again; it counts once, and the repeat says what the first
// answered. A command that failed runs again when repeated.
func TestCore_RepeatedCommandRunsOnce(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	due := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	out := script(t, core,
		`/cop objective add "Write runbooks" target 10 due `+due,
		"/cop checkin 1 +1", "/cop checkin  1 +1", "/cop objective show 1",
		"/cop checkin 1 +x", "/cop checkin 1 +x",
		"/cop checkin 1 -1", "/cop checkin 1 +1", // another command between: it runs
		"/join ada", "/as ada", "/cop checkin 1 +1", "/cop checkin 1 +1") // refused twice: said twice
	if !strings.Contains(out, "You sent `/cop checkin 1 +1`") || !strings.Contains(out, "haven't done it again") {
		t.Fatalf("the repeat was not answered as one:\n%s", out)
	}
	if strings.Count(out, "haven't done it again") != 1 {
		t.Fatalf("a failed or separated check-in was taken for a repeat:\n%s", out)
	}
	if strings.Count(out, "Only host (the owner of objective 1)") != 2 {
		t.Fatalf("ada's refused check-in was not refused twice:\n%s", out)
	}
	_, show, _ := strings.Cut(out, "/cop objective show 1")
	if !strings.Contains(show, "1 of 10 items") {
		t.Fatalf("the objective does not stand at 1 of 10:\n%s", out)
	}
}
