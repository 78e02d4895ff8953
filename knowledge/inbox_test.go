package knowledge_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

// react records a save reaction the way the core does at acknowledgement.
func (p *practice) react(t *testing.T, event, voter, message string, added bool) bool {
	t.Helper()
	return p.reactIn(t, event, voter, message, "C1", false, added)
}

func (p *practice) reactIn(t *testing.T, event, voter, message, channel string, private, added bool) bool {
	t.Helper()
	isNew, err := p.s.RecordReaction(context.Background(), p.c.ID, event, knowledge.Reaction{
		Voter: knowledge.Person{PlatformUserID: "U-" + voter, DisplayName: voter}, Added: added,
		ChannelID: channel, Private: private, MessageID: message,
	})
	if err != nil {
		t.Fatal(err)
	}
	return isNew
}

// drain applies everything recorded, as RunInbox does.
func (p *practice) drain(t *testing.T) knowledge.Drained {
	t.Helper()
	var all knowledge.Drained
	for {
		d, err := p.s.DrainInbox(context.Background(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		all.Events += d.Events
		all.Queued += d.Queued
		all.Joined = append(all.Joined, d.Joined...)
		for reason, n := range d.Dropped {
			if all.Dropped == nil {
				all.Dropped = map[string]int{}
			}
			all.Dropped[reason] += n
		}
		if d.Events == 0 {
			return all
		}
	}
}

// queued returns the capture items waiting in river's jobs, oldest first,
// and marks those jobs done so that the next call sees only new ones.
func (p *practice) queued(t *testing.T) []knowledge.CaptureItem {
	t.Helper()
	ctx := context.Background()
	rows, err := p.s.Pool().Query(ctx, `
		UPDATE river_job SET state = 'completed', finalized_at = now()
		WHERE kind = 'capture_tips' AND state = 'available' AND args->'community_ids' @> to_jsonb(ARRAY[$1::bigint])
		RETURNING id, args`, p.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		id   int64
		args knowledge.CaptureArgs
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (job, error) {
		var j job
		var raw []byte
		if err := r.Scan(&j.id, &raw); err != nil {
			return j, err
		}
		return j, json.Unmarshal(raw, &j.args)
	})
	if err != nil {
		t.Fatal(err)
	}
	var items []knowledge.CaptureItem
	for _, j := range jobs {
		items = append(items, j.args.Tips...)
	}
	return items
}

// capture completes an item the way the capture job does, with a fetched
// message written by author.
func (p *practice) capture(t *testing.T, item knowledge.CaptureItem, text, author string) knowledge.Tip {
	t.Helper()
	saved, err := p.s.CompleteCaptures(context.Background(), []knowledge.Captured{{Item: item,
		Message: knowledge.Message{Text: text, AuthorID: "U-" + author, AuthorName: author, Permalink: "https://example.com/" + item.MessageID}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 {
		t.Fatalf("capture of %s saved %d tips, want 1", item.MessageID, len(saved))
	}
	return saved[0].Tip
}

func TestStore_RecordReaction(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	t.Run("TenDuplicateDeliveriesMakeOneTip", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-dup")
		for range 10 {
			p.react(t, "Ev1", "ada", "M1", true)
		}
		first := p.drain(t)
		// Slack may resend an event after it was applied, too.
		p.react(t, "Ev1", "ada", "M1", true)
		// The same person reacting again under new event ids is still one vote.
		for i := range 3 {
			p.react(t, fmt.Sprintf("Ev-again-%d", i), "ada", "M1", true)
		}
		later := p.drain(t)
		items := p.queued(t)
		if first.Events != 10 || first.Queued != 1 || later.Events != 4 || later.Queued != 0 || len(items) != 1 {
			t.Fatalf("passes took %d and %d deliveries and queued %d and %d captures (%d jobs); want 10 and 4, 1 and 0, 1 job",
				first.Events, later.Events, first.Queued, later.Queued, len(items))
		}
		if items[0].ReactorID != "U-ada" || items[0].Platform != "slack" || items[0].ExternalID != "T-dup" || items[0].ChannelID != "C1" {
			t.Errorf("capture item = %+v", items[0])
		}
		tip := p.capture(t, items[0], "Rotate the on-call weekly", "bob")
		if tip.Number != 1 || tip.Votes != 1 || tip.AuthorName != "bob" {
			t.Fatalf("tip = number %d with %d votes by %q, want number 1 with 1 vote by bob", tip.Number, tip.Votes, tip.AuthorName)
		}
		again, err := s.CompleteCaptures(ctx, []knowledge.Captured{{Item: items[0], Message: knowledge.Message{Text: "other"}}})
		if err != nil || len(again) != 0 || p.tip(t, 1).Text != "Rotate the on-call weekly" {
			t.Fatalf("a retried capture changed the tip: %+v, %v", again, err)
		}
	})

	t.Run("ConcurrentReactorsMakeOneTipWithEveryVote", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-race")
		const reactors = 20
		var wg sync.WaitGroup
		errs := make(chan error, 2*reactors)
		for i := range reactors {
			wg.Go(func() {
				_, err := s.RecordReaction(ctx, p.c.ID, fmt.Sprintf("E%d", i), knowledge.Reaction{
					Voter: knowledge.Person{PlatformUserID: fmt.Sprintf("U%d", i)}, Added: true, ChannelID: "C1", MessageID: "M-hot",
				})
				errs <- err
			})
			// Passes run while reactions arrive, from two "processes".
			wg.Go(func() {
				_, err := s.DrainInbox(ctx, 3)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		p.drain(t)
		items := p.queued(t)
		if len(items) != 1 {
			t.Fatalf("%d captures queued, want 1", len(items))
		}
		if tip := p.capture(t, items[0], "Write the test first", "ada"); tip.Votes != reactors {
			t.Fatalf("%d votes, want %d", tip.Votes, reactors)
		}
	})

	t.Run("ReactionsInOnePassNetOut", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-net")
		p.react(t, "a1", "ada", "M-gone", true)
		p.react(t, "r1", "ada", "M-gone", false)
		p.react(t, "a2", "bob", "M-back", true)
		p.react(t, "r2", "bob", "M-back", false)
		p.react(t, "a3", "bob", "M-back", true)
		if d := p.drain(t); d.Events != 5 || d.Queued != 1 {
			t.Fatalf("pass applied %d events and queued %d captures; want 5 and 1", d.Events, d.Queued)
		}
		items := p.queued(t)
		if len(items) != 1 || items[0].MessageID != "M-back" {
			t.Fatalf("captures = %+v, want only M-back (M-gone was added and taken back)", items)
		}
		if tip := p.capture(t, items[0], "Keep a decision log", "cy"); tip.Votes != 1 {
			t.Fatalf("M-back has %d votes, want 1", tip.Votes)
		}
	})

	t.Run("LastVoteHidesAndANewOneRestores", func(t *testing.T) {
		p := newPractice(t, s, "discord", "G-votes")
		p.react(t, "a1", "ada", "M1", true)
		p.react(t, "a2", "bob", "M1", true)
		p.drain(t)
		tip := p.capture(t, p.queued(t)[0], "Keep a decision log", "cy")
		p.react(t, "r1", "ada", "M1", false)
		p.react(t, "r1", "ada", "M1", false) // a duplicate removal changes nothing
		p.drain(t)
		if got := p.tip(t, tip.Number); got.Votes != 1 || got.RemovedAt != nil {
			t.Fatalf("after one removal: %d votes, removed %v; want 1 vote, visible", got.Votes, got.RemovedAt)
		}
		p.react(t, "r2", "bob", "M1", false)
		p.drain(t)
		if got := p.tip(t, tip.Number); got.Votes != 0 || got.RemovedReason != "unvoted" {
			t.Fatalf("after every removal: %d votes, reason %q; want 0, unvoted", got.Votes, got.RemovedReason)
		}
		if tips, _, _ := s.Tips(ctx, knowledge.Reader{Member: p.member(t, "ada")}, knowledge.BrowseTop, "", 0, 10); len(tips) != 0 {
			t.Fatalf("browse shows %d tips, want the unvoted one hidden", len(tips))
		}
		p.react(t, "a3", "cy", "M1", true)
		if d := p.drain(t); d.Queued != 0 {
			t.Fatal("a restoring vote queued a second capture")
		}
		if got := p.tip(t, tip.Number); got.Votes != 1 || got.RemovedAt != nil {
			t.Fatalf("after a new vote: %d votes, removed %v; want restored with 1 vote", got.Votes, got.RemovedAt)
		}
	})

	t.Run("BotsAreNeverTipsNorVoters", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-bot")
		p.react(t, "b1", "ada", "M-bot", true)
		p.drain(t)
		saved, err := s.CompleteCaptures(ctx, []knowledge.Captured{{Item: p.queued(t)[0],
			Message: knowledge.Message{Text: "Deploy finished", AuthorID: "B1", AuthorBot: true}}})
		if err != nil || len(saved) != 0 {
			t.Fatalf("a bot's message was saved: %+v, %v", saved, err)
		}
		if _, err := s.Tip(ctx, p.c.ID, 1); !errors.Is(err, knowledge.ErrNotFound) {
			t.Fatalf("a bot message became tip 1 (%v)", err)
		}
		if _, err := s.SeeMember(ctx, p.c.ID, knowledge.Person{PlatformUserID: "U-copbot", IsBot: true}); err != nil {
			t.Fatal(err)
		}
		p.react(t, "b2", "copbot", "M2", true)
		if d := p.drain(t); d.Events != 1 || d.Queued != 0 {
			t.Fatalf("a bot's reaction: %+v; want applied and ignored", d)
		}
	})

	t.Run("ExcludedAndPrivateChannels", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-chan")
		admin := p.member(t, "admin")
		if _, err := s.SetChannelPolicy(ctx, p.member(t, "ada"), "C-x", "", "exclude"); !errors.Is(err, knowledge.ErrForbidden) {
			t.Fatalf("a member set a channel policy: %v", err)
		}
		if _, err := s.SetChannelPolicy(ctx, admin, "C-x", "", "exclude"); err != nil {
			t.Fatal(err)
		}
		p.reactIn(t, "x1", "admin", "M-x", "C-x", false, true)
		p.reactIn(t, "p1", "admin", "M-p", "G-p", true, true)
		if d := p.drain(t); d.Queued != 0 {
			t.Errorf("an excluded or private channel queued %d captures", d.Queued)
		}
		if _, err := s.SetChannelPolicy(ctx, admin, "G-p", "", "allow"); err != nil {
			t.Fatal(err)
		}
		p.reactIn(t, "p2", "admin", "M-p", "G-p", true, true)
		if d := p.drain(t); d.Queued != 1 {
			t.Errorf("allowed private channel queued %d captures, want 1", d.Queued)
		}
	})

	t.Run("ABadPayloadIsSkippedNotRetried", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-bad")
		if _, err := s.Pool().Exec(ctx, `INSERT INTO inbox (community_id, event_id, kind, payload) VALUES ($1, 'bad', 'reaction', '{"voter": 5}')`, p.c.ID); err != nil {
			t.Fatal(err)
		}
		p.react(t, "good", "ada", "M1", true)
		if d := p.drain(t); d.Events != 2 || d.Queued != 1 {
			t.Fatalf("pass = %+v; want both events applied and the good one queued", d)
		}
		if d := p.drain(t); d.Events != 0 {
			t.Fatalf("the bad event came back: %+v", d)
		}
	})

	t.Run("OnePassAtATime", func(t *testing.T) {
		p := newPractice(t, s, "slack", "T-busy")
		p.react(t, "e1", "ada", "M1", true)
		tx, err := s.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(0x636f70626f7401)); err != nil {
			t.Fatal(err)
		}
		if d, err := s.DrainInbox(ctx, 10); err != nil || !d.Busy || d.Events != 0 {
			t.Fatalf("drain while another pass runs = %+v, %v; want busy", d, err)
		}
		tx.Rollback(ctx)
		if d := p.drain(t); d.Events != 1 {
			t.Fatalf("drain after = %+v, want the event applied", d)
		}
	})
}

func TestStore_CompleteCaptures(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	for i := range 6 {
		p.react(t, fmt.Sprintf("e%d", i), "ada", fmt.Sprintf("M%d", i), true)
	}
	p.drain(t)
	items := p.queued(t)
	if len(items) != 6 {
		t.Fatalf("%d captures queued, want 6", len(items))
	}
	// Two jobs complete at once: every tip gets its own number.
	var wg sync.WaitGroup
	results := make([][]knowledge.CapturedTip, 2)
	errs := make([]error, 2)
	for j := range 2 {
		wg.Go(func() {
			var done []knowledge.Captured
			for _, it := range items[j*3 : j*3+3] {
				done = append(done, knowledge.Captured{Item: it, Message: knowledge.Message{Text: "Tip " + it.MessageID + " #batch", AuthorID: "U-bob", AuthorName: "bob"}})
			}
			if j == 1 {
				done[2] = knowledge.Captured{Item: done[2].Item, Gone: true}
			}
			results[j], errs[j] = s.CompleteCaptures(ctx, done)
		})
	}
	wg.Wait()
	numbers := map[int]bool{}
	for j := range 2 {
		if errs[j] != nil {
			t.Fatal(errs[j])
		}
		for _, c := range results[j] {
			if numbers[c.Tip.Number] || c.Tip.Number < 1 || c.Tip.Number > 5 {
				t.Errorf("tip number %d is repeated or out of 1..5", c.Tip.Number)
			}
			numbers[c.Tip.Number] = true
			if c.Tip.AuthorName != "bob" || len(c.Tip.Tags) != 1 || c.Tip.Tags[0] != "batch" || c.Item.TipID != c.Tip.ID {
				t.Errorf("saved tip = %+v from %+v", c.Tip, c.Item)
			}
		}
	}
	if len(numbers) != 5 {
		t.Errorf("%d tips saved, want 5 (the gone message's tip is dropped)", len(numbers))
	}
	if pending := dbtest.Count(t, s.Pool(), `SELECT count(*) FROM tips WHERE community_id = $1 AND state = 'pending'`, p.c.ID); pending != 0 {
		t.Errorf("%d tips still pending, want none", pending)
	}
	left, err := s.StillPending(ctx, items)
	if err != nil || len(left) != 0 {
		t.Errorf("StillPending after the captures = %+v, %v; want none", left, err)
	}
}

func TestStore_EditsAndDeletesFollowTheMessage(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	p.react(t, "e1", "ada", "M1", true)
	p.drain(t)
	tip := p.capture(t, p.queued(t)[0], "Use feature flags #release", "bob")
	if _, err := s.TagTip(ctx, p.member(t, "ada"), tip.Number, []string{"ops"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordEdit(ctx, p.c.ID, "ed1", "M1", "Use feature flags for risky changes #flags"); err != nil {
		t.Fatal(err)
	}
	p.drain(t)
	got := p.tip(t, tip.Number)
	if got.Text != "Use feature flags for risky changes #flags" || fmt.Sprint(got.Tags) != "[release ops flags]" {
		t.Fatalf("after the edit: %q %v; want the new text and tags release, ops, flags", got.Text, got.Tags)
	}
	if _, err := s.RecordDelete(ctx, p.c.ID, "del1", "M1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordEdit(ctx, p.c.ID, "ed2", "M1", "edited after deletion"); err != nil {
		t.Fatal(err)
	}
	p.drain(t)
	got = p.tip(t, tip.Number)
	if got.RemovedReason != "deleted" || got.Text != "" {
		t.Fatalf("after the deletion: reason %q, text %q; want deleted with no text", got.RemovedReason, got.Text)
	}
	p.react(t, "e2", "cy", "M1", true)
	p.drain(t)
	if got := p.tip(t, tip.Number); got.RemovedAt == nil {
		t.Fatal("a reaction brought back the tip of a deleted message")
	}
}

func TestStore_JoinsThroughTheInbox(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "discord", "G1")
	for i, id := range []string{"j1", "j2"} {
		if _, err := s.RecordJoin(ctx, p.c.ID, id, knowledge.Person{PlatformUserID: "U-new", DisplayName: "new"}, time.Now()); err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
	}
	d := p.drain(t)
	if len(d.Joined) != 1 || d.Joined[0].DisplayName != "new" || d.Joined[0].JoinedAt == nil {
		t.Fatalf("joined = %+v; want the member once, as a first join", d.Joined)
	}
}

// TestStore_CaptureDropsPrivateMessages: the event may not say a channel is
// private (a Slack reaction carries only its id); the fetch does, and the
// capture drops the tip unless a facilitator allowed the channel.
func TestStore_CaptureDropsPrivateMessages(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	p.reactIn(t, "e1", "ada", "M-secret", "C-secret", false, true)
	p.reactIn(t, "e2", "ada", "M-allowed", "C-allowed", false, true)
	p.drain(t)
	if _, err := s.SetChannelPolicy(ctx, p.member(t, "admin"), "C-allowed", "", "allow"); err != nil {
		t.Fatal(err)
	}
	var done []knowledge.Captured
	for _, it := range p.queued(t) {
		done = append(done, knowledge.Captured{Item: it, Message: knowledge.Message{Text: "said in private", AuthorID: "U-bob", Private: true}})
	}
	saved, err := s.CompleteCaptures(ctx, done)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 || saved[0].Item.ChannelID != "C-allowed" {
		t.Fatalf("saved %+v; want only the tip of the allowed private channel", saved)
	}
	if tips := dbtest.Count(t, s.Pool(), `SELECT count(*) FROM tips WHERE community_id = $1`, p.c.ID); tips != 1 {
		t.Fatalf("%d tips; want the other one dropped", tips)
	}
}

// TestStore_DeletedWhileCaptured: the message is deleted after the capture
// fetched it but before the capture saved it; its text never comes back.
func TestStore_DeletedWhileCaptured(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "slack", "T1")
	p.react(t, "e1", "ada", "M1", true)
	p.drain(t)
	item := p.queued(t)[0]
	if _, err := s.RecordDelete(ctx, p.c.ID, "d1", "M1"); err != nil {
		t.Fatal(err)
	}
	p.drain(t)
	saved, err := s.CompleteCaptures(ctx, []knowledge.Captured{{Item: item, Message: knowledge.Message{Text: "fetched before the deletion", AuthorID: "U-bob"}}})
	if err != nil || len(saved) != 0 {
		t.Fatalf("saved %+v, %v; want nothing", saved, err)
	}
	if n := dbtest.Count(t, s.Pool(), `SELECT count(*) FROM tips WHERE text <> ''`); n != 0 {
		t.Fatalf("%d tips with text; want the deleted message's text nowhere", n)
	}
}
