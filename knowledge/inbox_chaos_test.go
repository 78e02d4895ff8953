package knowledge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/wait"
	"github.com/copbot/copbot/knowledge"
)

// TestStore_Chaos (issue 14's "prove it") plays a seeded random plan on two
// stores over one database, as two copbot processes would: members copbot
// never saw react to messages (deliveries repeated at once, later and out of
// order), run commands that see and mention them, join, write messages whose
// captures make them members, and edit, delete and clear messages whose tips
// are pending or saved, while both stores drain the inbox and complete
// captures at once (a capture fetches the message's text as the platform has
// it then, sometimes before an edit is recorded). After each wave a crowd of
// new members reacts at once, each running a command as they do.
// The test keeps a model of what was acknowledged and, once everything is
// applied and captured, checks the repository against it: every vote, every
// author, every edit and deletion, nothing pending, nothing left in the
// inbox, no event applied twice.
//
// The plan comes from the seed (COPBOT_CHAOS_SEED, else the clock); a
// failure prints it. The interleaving is the scheduler's, so a seed replays
// the same plan, not the same race: run a failing seed a few times.
func TestStore_Chaos(t *testing.T) {
	seed := chaosSeed(t)
	ctx := context.Background()
	s1 := newStore(t)
	// The second "process" has a pool of its own on the same database.
	pool2, err := pgxpool.NewWithConfig(ctx, s1.Pool().Config())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool2.Close)
	s2, err := knowledge.NewStore(pool2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	w := &chaosWorld{t: t, stores: [2]*knowledge.Store{s1, s2}, byID: map[int64]*chaosCommunity{},
		seen: map[int64]map[string]bool{}, joined: map[int64]map[string]bool{}, joinedFirst: map[int64]map[string]int{},
		memberIDs: map[int64]map[string]map[int64]bool{}, queuedTips: map[[2]int64]int{}}
	for i, ref := range [][2]string{{"slack", "T-chaos-1"}, {"discord", "G-chaos-2"}, {"slack", "T-chaos-3"}} {
		c, err := s1.Community(ctx, ref[0], ref[1])
		if err != nil {
			t.Fatal(err)
		}
		cc := &chaosCommunity{index: i, id: c.ID, byID: map[string]*chaosMessage{}}
		w.communities = append(w.communities, cc)
		w.byID[c.ID] = cc
	}
	plan := w.plan(rand.New(rand.NewPCG(seed, 0x636f70626f74)))

	start := time.Now()
	w.run(ctx, seed, plan)
	chaotic := time.Since(start)
	var backlog, jobs int
	if err := s1.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM inbox), (SELECT count(*) FROM river_job WHERE kind = 'capture_tips' AND state = 'available')`).Scan(&backlog, &jobs); err != nil {
		t.Fatal(err)
	}
	w.settle(ctx)
	w.check(ctx)
	t.Logf("seed %d: %d deliveries acknowledged (%d events), %d passes, %d captures (%d saved an edit over the text fetched), %d calls failed by conflicts and retried %q; chaos %v (crowds waited %v; %d events and %d capture jobs left after it), all %v",
		seed, w.acked, w.distinctEvents(), w.passes.Load(), w.completions.Load(), w.staleFetches.Load(), w.transient.Load(), w.conflicts, chaotic.Round(time.Millisecond), w.crowdWait.Round(time.Millisecond), backlog, jobs, time.Since(start).Round(time.Millisecond))
}

// chaosSeed is COPBOT_CHAOS_SEED or the clock's; a failed test prints it.
func chaosSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("COPBOT_CHAOS_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("COPBOT_CHAOS_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("chaos seed %d", seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chaos seed %d; replay its plan with COPBOT_CHAOS_SEED=%d go test -race ./knowledge -run TestStore_Chaos", seed, seed)
		}
	})
	return seed
}

// The plan's size: waves of members copbot never saw, each wave's
// producers running at once, with a barrier between waves.
const (
	chaosWaves           = 6
	chaosMembersPerWave  = 8
	chaosMessagesPerWave = 6
	chaosVoters          = 6  // goroutines recording reactions
	chaosEditors         = 2  // goroutines editing, deleting and clearing messages
	chaosCommanders      = 2  // goroutines running commands and recording joins
	chaosCrowd           = 12 // members of a community's crowd, each reacting in a goroutine of their own
	// chaosWithClears plans reactions cleared by a moderator (RecordClear).
	chaosWithClears = true
	// chaosWithChannelDeletes plans deleted channels (RecordChannelDelete).
	chaosWithChannelDeletes = true
)

type chaosKind int

const (
	chaosFetchable   chaosKind = iota
	chaosUnfetchable           // every fetch fails; the capture gives up
	chaosByBot                 // a bot wrote it: never a tip
)

type chaosCommunity struct {
	index    int
	id       int64
	members  []string
	messages []*chaosMessage
	byID     map[string]*chaosMessage
	events   int // plan-time counter of event ids (the same ids in every community)
}

func (c *chaosCommunity) event() string {
	c.events++
	return fmt.Sprintf("Ev%d", c.events)
}

// chaosMessage is a platform message and what was acknowledged of it.
type chaosMessage struct {
	c       *chaosCommunity
	id      string
	channel string
	author  string // platform user id
	kind    chaosKind
	editor  int // the goroutine that edits, deletes and clears it, in order
	edits   int // plan-time counter

	// mu guards the message as the platform has it now: an edit or a
	// deletion changes it before its event is delivered.
	mu      sync.Mutex
	text    string
	deleted bool

	// votes is held shared while a reaction is recorded and alone while a
	// clear is, so that the model orders them as the inbox does.
	votes  sync.RWMutex
	lastMu sync.Mutex
	last   map[string]bool // member → their last acknowledged reaction was added
}

func (m *chaosMessage) fetch() (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.text, m.deleted
}

func (m *chaosMessage) voters() []string {
	m.lastMu.Lock()
	defer m.lastMu.Unlock()
	var out []string
	for member, added := range m.last {
		if added {
			out = append(out, member)
		}
	}
	sort.Strings(out)
	return out
}

func chaosName(member string) string { return "name-" + member }

type chaosOpKind int

const (
	opReact chaosOpKind = iota
	opEdit
	opDelete
	opClear
	opSee
	opRefer
	opSave
	opJoin
	opChannelDelete
)

var chaosOpNames = [...]string{"reaction", "edit", "delete", "clear", "see", "refer", "save", "join", "channel delete"}

type chaosDelivery int

const (
	deliverOnce        chaosDelivery = iota
	deliverTwiceAtOnce               // a retry while the first delivery is in flight, to either store
	deliverAgainLater                // a retry after later events, out of order
)

type chaosOp struct {
	kind     chaosOpKind
	c        *chaosCommunity
	m        *chaosMessage
	member   string
	channel  string // of a tip saved with /cop save
	added    bool
	text     string
	event    string
	delivery chaosDelivery
}

// chaosPlan is each producer's ops, by wave.
type chaosPlan struct {
	voters, editors, commanders [][][]chaosOp
	// crowds are, by wave, the members of a crowd that reacts at once
	// after the wave, each running a command as they react.
	crowds [][][]chaosOp
}

func chaosScripts(n int) [][][]chaosOp {
	s := make([][][]chaosOp, n)
	for g := range s {
		s[g] = make([][]chaosOp, chaosWaves)
	}
	return s
}

// interleave merges sequences in a random order that keeps each one's own.
func interleave(rng *rand.Rand, seqs [][]chaosOp) []chaosOp {
	var out []chaosOp
	for len(seqs) > 0 {
		i := rng.IntN(len(seqs))
		out = append(out, seqs[i][0])
		if seqs[i] = seqs[i][1:]; len(seqs[i]) == 0 {
			seqs = slices.Delete(seqs, i, i+1)
		}
	}
	return out
}

func chaosDeliveryOf(rng *rand.Rand) chaosDelivery {
	switch r := rng.IntN(100); {
	case r < 15:
		return deliverTwiceAtOnce
	case r < 30:
		return deliverAgainLater
	}
	return deliverOnce
}

func (w *chaosWorld) plan(rng *rand.Rand) chaosPlan {
	p := chaosPlan{voters: chaosScripts(chaosVoters), editors: chaosScripts(chaosEditors), commanders: chaosScripts(chaosCommanders),
		crowds: make([][][]chaosOp, chaosWaves)}
	planDeleted := map[*chaosMessage]bool{}
	for wave := range chaosWaves {
		voterSeqs := make([][][]chaosOp, chaosVoters)
		editorSeqs := make([][][]chaosOp, chaosEditors)
		commanderOps := make([][]chaosOp, chaosCommanders)
		for _, c := range w.communities {
			older := c.members
			var fresh []string
			for k := range chaosMembersPerWave {
				fresh = append(fresh, fmt.Sprintf("U%d-%d", wave, k))
			}
			c.members = append(slices.Clip(c.members), fresh...)
			var news []*chaosMessage
			for k := range chaosMessagesPerWave {
				// Authors are mostly members copbot never saw, whom the
				// capture of their message makes while they react, run
				// commands or are mentioned; some first act in the next
				// wave.
				author := fmt.Sprintf("A%d-%d", wave, k)
				switch r := rng.IntN(10); {
				case r < 2:
					author = fresh[rng.IntN(len(fresh))]
				case r < 3 && wave+1 < chaosWaves:
					author = fmt.Sprintf("U%d-%d", wave+1, rng.IntN(chaosMembersPerWave))
				case r < 4 && len(older) > 0:
					author = older[rng.IntN(len(older))]
				}
				m := &chaosMessage{c: c, id: fmt.Sprintf("M%d-%d", wave, k), channel: fmt.Sprintf("C%d", k%3),
					author: author, editor: rng.IntN(chaosEditors), last: map[string]bool{}}
				if k == 0 {
					m.channel = fmt.Sprintf("K%d", wave) // a channel of its own, which may be deleted
				}
				switch r := rng.IntN(100); {
				case r < 8:
					m.kind = chaosUnfetchable
				case r < 14:
					m.kind = chaosByBot
				}
				m.text = fmt.Sprintf("%s says: tip %s of wave %d #wave%d", author, m.id, wave, wave)
				c.messages = append(c.messages, m)
				c.byID[m.id] = m
				news = append(news, m)
				if !slices.Contains(c.members, author) && strings.HasPrefix(author, "A") {
					c.members = append(c.members, author)
				}
			}

			// Reactions: each (member, message) pair's events in one
			// goroutine, in order; different pairs at once.
			pairs := map[[2]string]bool{}
			acted := map[string]bool{}
			react := func(member string, m *chaosMessage) {
				if pairs[[2]string{member, m.id}] {
					return
				}
				pairs[[2]string{member, m.id}] = true
				added := rng.IntN(100) < 85
				var seq []chaosOp
				for range 1 + rng.IntN(4) {
					seq = append(seq, chaosOp{kind: opReact, c: c, m: m, member: member, added: added, event: c.event(), delivery: chaosDeliveryOf(rng)})
					if rng.IntN(100) < 80 {
						added = !added
					}
				}
				if !acted[member] && rng.IntN(10) < 6 {
					// The member runs a command as their first reaction
					// is applied.
					kind := opSee
					if rng.IntN(2) == 0 {
						kind = opRefer
					}
					seq = slices.Insert(seq, 1, chaosOp{kind: kind, c: c, member: member})
				}
				acted[member] = true
				g := rng.IntN(chaosVoters)
				voterSeqs[g] = append(voterSeqs[g], seq)
			}
			for _, u := range fresh {
				for range 2 + rng.IntN(3) {
					if rng.IntN(10) < 7 {
						react(u, news[rng.IntN(len(news))])
					} else {
						react(u, c.messages[rng.IntN(len(c.messages))])
					}
				}
			}
			for _, m := range news {
				// The author reacts to their own message, often.
				if rng.IntN(10) < 6 {
					react(m.author, m)
				}
			}
			for range 4 {
				if len(older) > 0 {
					react(older[rng.IntN(len(older))], news[rng.IntN(len(news))])
				}
			}

			// Edits, deletions and clears, each message's in order. The
			// wave's messages are edited most, while their tips are pending
			// (an edit of a saved tip can hide one lost while it was
			// pending).
			for _, m := range c.messages {
				if planDeleted[m] {
					continue
				}
				var seq []chaosOp
				edits := []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}[rng.IntN(10)]
				if slices.Contains(news, m) {
					edits = []int{0, 0, 0, 1, 1, 1, 1, 2, 2, 2}[rng.IntN(10)]
				}
				for range edits {
					m.edits++
					seq = append(seq, chaosOp{kind: opEdit, c: c, m: m, event: c.event(), delivery: chaosDeliveryOf(rng),
						text: fmt.Sprintf("%s says: tip %s, edit %d #edit%d", m.author, m.id, m.edits, m.edits)})
				}
				if chaosWithClears && rng.IntN(100) < 6 {
					seq = append(seq, chaosOp{kind: opClear, c: c, m: m, event: c.event(), delivery: chaosDeliveryOf(rng)})
				}
				switch {
				case chaosWithChannelDeletes && strings.HasPrefix(m.channel, "K") && rng.IntN(100) < 25:
					planDeleted[m] = true
					seq = append(seq, chaosOp{kind: opChannelDelete, c: c, m: m, event: c.event(), delivery: chaosDeliveryOf(rng)})
				case rng.IntN(100) < 5:
					planDeleted[m] = true
					seq = append(seq, chaosOp{kind: opDelete, c: c, m: m, event: c.event(), delivery: chaosDeliveryOf(rng)})
				}
				if len(seq) > 0 {
					editorSeqs[m.editor] = append(editorSeqs[m.editor], seq)
				}
			}

			// A crowd of new members, some of whom wrote the messages
			// they react to, react at once, each running a command.
			var crowd []string
			for k := range chaosCrowd {
				crowd = append(crowd, fmt.Sprintf("Q%d-%d", wave, k))
			}
			var crowdMessages []*chaosMessage
			for k := range 2 {
				author := crowd[rng.IntN(len(crowd))]
				m := &chaosMessage{c: c, id: fmt.Sprintf("N%d-%d", wave, k), channel: "C-crowd", author: author,
					editor: rng.IntN(chaosEditors), last: map[string]bool{}}
				m.text = fmt.Sprintf("%s says: crowd tip %s #crowd", author, m.id)
				c.messages = append(c.messages, m)
				c.byID[m.id] = m
				crowdMessages = append(crowdMessages, m)
			}
			for _, u := range crowd {
				m := crowdMessages[rng.IntN(len(crowdMessages))]
				if rng.IntN(4) == 0 {
					m = news[rng.IntN(len(news))]
				}
				seq := []chaosOp{{kind: opReact, c: c, m: m, member: u, added: rng.IntN(10) > 0, event: c.event(), delivery: chaosDeliveryOf(rng)}}
				switch rng.IntN(10) {
				case 0, 1, 2, 3:
					seq = append(seq, chaosOp{kind: opSee, c: c, member: u})
				case 4, 5, 6:
					seq = append(seq, chaosOp{kind: opRefer, c: c, member: u})
				}
				p.crowds[wave] = append(p.crowds[wave], seq)
			}
			c.members = append(c.members, crowd...)

			// Commands and joins of the new members and the new authors.
			people := slices.Clone(fresh)
			for _, m := range news {
				people = append(people, m.author)
			}
			command := func(op chaosOp) {
				g := rng.IntN(chaosCommanders)
				commanderOps[g] = append(commanderOps[g], op)
			}
			for _, u := range people {
				if rng.IntN(10) < 7 {
					command(chaosOp{kind: opSee, c: c, member: u})
				}
				if rng.IntN(10) < 5 {
					command(chaosOp{kind: opRefer, c: c, member: u})
				}
				if rng.IntN(10) < 3 {
					command(chaosOp{kind: opJoin, c: c, member: u, event: c.event(), delivery: chaosDeliveryOf(rng)})
				}
				if rng.IntN(100) < 12 {
					// Saved in a channel that may be deleted: it stays.
					command(chaosOp{kind: opSave, c: c, member: u, channel: fmt.Sprintf("K%d", rng.IntN(wave+1)),
						text: fmt.Sprintf("%s saved a tip of their own in wave %d #saved", u, wave)})
				}
			}
		}
		for g := range chaosVoters {
			p.voters[g][wave] = interleave(rng, voterSeqs[g])
		}
		for g := range chaosEditors {
			p.editors[g][wave] = interleave(rng, editorSeqs[g])
		}
		for g := range chaosCommanders {
			ops := commanderOps[g]
			rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
			p.commanders[g][wave] = ops
		}
	}
	return p
}

// chaosWorld is the model: what was acknowledged, and what the passes and
// captures reported.
type chaosWorld struct {
	t           *testing.T
	stores      [2]*knowledge.Store
	communities []*chaosCommunity
	byID        map[int64]*chaosCommunity

	mu          sync.Mutex
	acked       int                            // deliveries acknowledged
	seen        map[int64]map[string]bool      // event ids acknowledged, by community
	again       []func(*knowledge.Store) error // acknowledged deliveries, to deliver again
	joined      map[int64]map[string]bool      // members whose join was acknowledged
	joinedFirst map[int64]map[string]int       // how often passes reported each first join
	drained     int                            // deliveries the passes took from the inbox
	memberIDs   map[int64]map[string]map[int64]bool
	savedTips   []chaosSavedTip  // /cop save
	queuedTips  map[[2]int64]int // capture jobs' tips
	retry       []chaosRetry     // captures to try again
	failures    int

	passes, completions, transient atomic.Int64
	// staleFetches counts tips saved with an edit applied while they
	// waited rather than the text fetched before it.
	staleFetches atomic.Int64
	conflicts    []string // the first calls retried
	crowdWait    time.Duration
}

type chaosSavedTip struct {
	c      *chaosCommunity
	number int
	author int64
	text   string
}

type chaosRetry struct {
	item     knowledge.CaptureItem
	attempts int
}

func (w *chaosWorld) fail(format string, args ...any) {
	w.t.Helper()
	w.mu.Lock()
	w.failures++
	n := w.failures
	w.mu.Unlock()
	if n <= 40 {
		w.t.Errorf(format, args...)
	} else if n == 41 {
		w.t.Error("more failures left out")
	}
}

// retried counts a call that failed for a conflict between transactions
// after the store's own tries (or for another reason, already failed), as
// the caller tries again later.
func (w *chaosWorld) retried(what string, err error) {
	w.transient.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.conflicts) < 5 {
		w.conflicts = append(w.conflicts, what+": "+err.Error())
	}
}

func (w *chaosWorld) distinctEvents() int {
	n := 0
	for _, ids := range w.seen {
		n += len(ids)
	}
	return n
}

func (w *chaosWorld) ack(c *chaosCommunity, event string, deliver func(*knowledge.Store) error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acked++
	if w.seen[c.id] == nil {
		w.seen[c.id] = map[string]bool{}
	}
	w.seen[c.id][event] = true
	w.again = append(w.again, deliver)
}

func (w *chaosWorld) noteMember(c *chaosCommunity, member string, id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.memberIDs[c.id] == nil {
		w.memberIDs[c.id] = map[string]map[int64]bool{}
	}
	if w.memberIDs[c.id][member] == nil {
		w.memberIDs[c.id][member] = map[int64]bool{}
	}
	w.memberIDs[c.id][member][id] = true
}

// producer runs one goroutine's ops of a plan.
type producer struct {
	w     *chaosWorld
	rng   *rand.Rand
	later []func() // deliveries to repeat after later events
	// slow is the longest pause after an op; editors take their time, so
	// that their edits fall while tips are pending as well as saved.
	slow time.Duration
}

func (p *producer) store() *knowledge.Store { return p.w.stores[p.rng.IntN(2)] }

// deliver records an event as its plan says and reports whether it was
// acknowledged; each acknowledged delivery counts.
func (p *producer) deliver(op chaosOp, record func(*knowledge.Store) error) bool {
	w := p.w
	once := func(s *knowledge.Store) bool {
		if err := record(s); err != nil {
			w.fail("record %s (%s) in community %d: %v", op.event, chaosOpNames[op.kind], op.c.index, err)
			return false
		}
		w.ack(op.c, op.event, record)
		return true
	}
	switch op.delivery {
	case deliverTwiceAtOnce:
		var wg sync.WaitGroup
		var ok [2]bool
		for i := range 2 {
			s := p.store()
			wg.Go(func() { ok[i] = once(s) })
		}
		wg.Wait()
		return ok[0] || ok[1]
	case deliverAgainLater:
		if !once(p.store()) {
			return false
		}
		s := p.store()
		p.later = append(p.later, func() { once(s) })
		return true
	default:
		return once(p.store())
	}
}

// repeat delivers again some of the deliveries kept for later (all of them
// with all set), in a random order.
func (p *producer) repeat(all bool) {
	for len(p.later) > 0 && (all || p.rng.IntN(2) == 0) {
		i := p.rng.IntN(len(p.later))
		f := p.later[i]
		p.later = slices.Delete(p.later, i, i+1)
		f()
	}
}

func (p *producer) pause() {
	if p.slow > 0 {
		time.Sleep(time.Duration(p.rng.Int64N(int64(p.slow))))
	} else if p.rng.IntN(8) == 0 {
		time.Sleep(time.Duration(p.rng.IntN(400)) * time.Microsecond)
	}
}

func (p *producer) do(ctx context.Context, op chaosOp) {
	w, c, m := p.w, op.c, op.m
	switch op.kind {
	case opReact:
		m.votes.RLock()
		defer m.votes.RUnlock()
		r := knowledge.Reaction{Voter: knowledge.Person{PlatformUserID: op.member, DisplayName: chaosName(op.member)},
			Added: op.added, ChannelID: m.channel, MessageID: m.id}
		if p.deliver(op, func(s *knowledge.Store) error {
			_, err := s.RecordReaction(ctx, c.id, op.event, r)
			return err
		}) {
			m.lastMu.Lock()
			m.last[op.member] = op.added
			m.lastMu.Unlock()
		}
	case opEdit:
		m.mu.Lock()
		m.text = op.text // the platform has the new text before it sends the event
		m.mu.Unlock()
		p.deliver(op, func(s *knowledge.Store) error {
			_, err := s.RecordEdit(ctx, c.id, op.event, m.id, op.text)
			return err
		})
	case opDelete:
		m.mu.Lock()
		m.deleted = true
		m.mu.Unlock()
		p.deliver(op, func(s *knowledge.Store) error {
			_, err := s.RecordDelete(ctx, c.id, op.event, m.id)
			return err
		})
	case opChannelDelete:
		m.mu.Lock()
		m.deleted = true // the channel's only message goes with it
		m.mu.Unlock()
		p.deliver(op, func(s *knowledge.Store) error { return chaosRecordChannelDelete(ctx, s, c.id, op.event, m.channel) })
	case opClear:
		m.votes.Lock()
		defer m.votes.Unlock()
		if p.deliver(op, func(s *knowledge.Store) error { return chaosRecordClear(ctx, s, c.id, op.event, m.channel, m.id) }) {
			m.lastMu.Lock()
			for member := range m.last {
				m.last[member] = false
			}
			m.lastMu.Unlock()
		}
	case opJoin:
		person := knowledge.Person{PlatformUserID: op.member, DisplayName: chaosName(op.member)}
		if p.deliver(op, func(s *knowledge.Store) error {
			_, err := s.RecordJoin(ctx, c.id, op.event, person, time.Now())
			return err
		}) {
			w.mu.Lock()
			if w.joined[c.id] == nil {
				w.joined[c.id] = map[string]bool{}
			}
			w.joined[c.id][op.member] = true
			w.mu.Unlock()
		}
	case opSee, opSave:
		s := p.store()
		mem, err := s.SeeMember(ctx, c.id, knowledge.Person{PlatformUserID: op.member, DisplayName: chaosName(op.member)})
		if err != nil {
			w.fail("SeeMember(%s) in community %d: %v", op.member, c.index, err)
			return
		}
		if mem.PlatformUserID != op.member {
			w.fail("SeeMember(%s) = %+v", op.member, mem)
		}
		w.noteMember(c, op.member, mem.ID)
		if op.kind != opSave {
			return
		}
		tip, err := s.SaveTip(ctx, mem, knowledge.NewTip{Text: op.text, ChannelID: op.channel})
		if knowledge.IsTransient(err) {
			w.retried("SaveTip", err)
			return
		}
		if err != nil {
			w.fail("SaveTip by %s in community %d: %v", op.member, c.index, err)
			return
		}
		w.mu.Lock()
		w.savedTips = append(w.savedTips, chaosSavedTip{c: c, number: tip.Number, author: mem.ID, text: op.text})
		w.mu.Unlock()
	case opRefer:
		mem, err := p.store().ReferMember(ctx, c.id, op.member, chaosName(op.member))
		if err != nil {
			w.fail("ReferMember(%s) in community %d: %v", op.member, c.index, err)
			return
		}
		if mem.PlatformUserID != op.member {
			w.fail("ReferMember(%s) = %+v", op.member, mem)
		}
		w.noteMember(c, op.member, mem.ID)
	}
}

// chaosRecordClear and chaosRecordChannelDelete are the only calls of
// RecordClear and RecordChannelDelete (the code before them has neither).
func chaosRecordClear(ctx context.Context, s *knowledge.Store, communityID int64, event, channel, message string) error {
	_, err := s.RecordClear(ctx, communityID, event, channel, message)
	return err
}

func chaosRecordChannelDelete(ctx context.Context, s *knowledge.Store, communityID int64, event, channel string) error {
	_, err := s.RecordChannelDelete(ctx, communityID, event, channel)
	return err
}

// run plays the plan: the producers wave by wave, and all along two
// drainers, two capture workers and a redeliverer, one of each per store.
func (w *chaosWorld) run(ctx context.Context, seed uint64, plan chaosPlan) {
	var scripts [][][]chaosOp
	scripts = append(scripts, plan.voters...)
	scripts = append(scripts, plan.editors...)
	scripts = append(scripts, plan.commanders...)
	starts := make([]chan struct{}, chaosWaves)
	dones := make([]sync.WaitGroup, chaosWaves)
	for wave := range chaosWaves {
		starts[wave] = make(chan struct{})
		dones[wave].Add(len(scripts))
	}
	var producers sync.WaitGroup
	for g, script := range scripts {
		p := &producer{w: w, rng: rand.New(rand.NewPCG(seed, uint64(g+1)))}
		if g >= chaosVoters && g < chaosVoters+chaosEditors {
			p.slow = 15 * time.Millisecond
		}
		producers.Go(func() {
			for wave, ops := range script {
				<-starts[wave]
				for _, op := range ops {
					p.do(ctx, op)
					p.repeat(false)
					p.pause()
				}
				p.repeat(true)
				dones[wave].Done()
			}
		})
	}

	stop := make(chan struct{})
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	var background sync.WaitGroup
	for i, s := range w.stores {
		background.Go(func() { // an inbox pass after another, as RunInbox
			rng := rand.New(rand.NewPCG(seed, uint64(100+i)))
			for !stopped() {
				limit := 1 + rng.IntN(20)
				if rng.IntN(4) == 0 {
					limit = 1 + rng.IntN(500)
				}
				d, err := s.DrainInbox(ctx, limit)
				switch {
				case knowledge.IsTransient(err):
					w.retried("DrainInbox", err)
				case err != nil:
					w.fail("store %d: DrainInbox: %v", i+1, err)
					time.Sleep(10 * time.Millisecond)
				default:
					w.passed(d)
				}
				if err != nil || d.Busy || d.Events == 0 {
					time.Sleep(time.Duration(200+rng.IntN(800)) * time.Microsecond)
				}
			}
		})
		background.Go(func() { // a capture worker
			rng := rand.New(rand.NewPCG(seed, uint64(200+i)))
			for {
				// Stop only after a round that found nothing to do, so that
				// what was taken is completed or put back to retry.
				done := stopped()
				if !w.captureRound(ctx, s, rng) {
					if done {
						return
					}
					time.Sleep(time.Duration(200+rng.IntN(800)) * time.Microsecond)
				}
			}
		})
	}
	redelivering := make(chan struct{})
	background.Go(func() { // deliveries again, to either store, of anything acknowledged
		rng := rand.New(rand.NewPCG(seed, 300))
		for {
			select {
			case <-redelivering:
				return
			default:
			}
			w.mu.Lock()
			var again func(*knowledge.Store) error
			if len(w.again) > 0 {
				again = w.again[rng.IntN(len(w.again))]
			}
			w.mu.Unlock()
			if again != nil {
				if err := again(w.stores[rng.IntN(2)]); err != nil {
					w.fail("deliver again: %v", err)
				} else {
					w.mu.Lock()
					w.acked++
					w.mu.Unlock()
				}
			}
			time.Sleep(time.Duration(rng.IntN(1500)) * time.Microsecond)
		}
	})

	for wave := range chaosWaves {
		close(starts[wave])
		dones[wave].Wait()
		// The crowd comes when the inbox is nearly empty, so that passes
		// apply its reactions while its members act. Not wait.Within: this
		// paces the chaos in steps of 2 ms and waits for nothing to finish.
		waited := time.Now()
		for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			var backlog int
			if err := w.stores[0].Pool().QueryRow(ctx, `SELECT count(*) FROM inbox`).Scan(&backlog); err != nil {
				w.fail("%v", err)
				break
			}
			if backlog < 5 {
				break
			}
		}
		w.crowdWait += time.Since(waited)
		var crowd sync.WaitGroup
		for k, ops := range plan.crowds[wave] {
			p := &producer{w: w, rng: rand.New(rand.NewPCG(seed, uint64(1000*(wave+1)+k)))}
			crowd.Go(func() {
				for _, op := range ops {
					p.do(ctx, op)
				}
				p.repeat(true)
			})
		}
		crowd.Wait()
	}
	producers.Wait()
	close(redelivering)
	// The processes go on until they have applied and captured what
	// there is, or for 20 seconds at most; settle does the rest.
	wait.Within(20*time.Second, func() bool {
		var busy bool
		if err := w.stores[0].Pool().QueryRow(ctx, `
			SELECT EXISTS (SELECT FROM inbox) OR EXISTS (SELECT FROM river_job WHERE kind = 'capture_tips' AND state = 'available')`).Scan(&busy); err != nil {
			w.fail("%v", err)
			return true
		}
		return !busy
	})
	close(stop)
	background.Wait()
}

func (w *chaosWorld) passed(d knowledge.Drained) {
	if d.Busy {
		return
	}
	w.passes.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.drained += d.Events
	for _, m := range d.Joined {
		if w.joinedFirst[m.CommunityID] == nil {
			w.joinedFirst[m.CommunityID] = map[string]int{}
		}
		w.joinedFirst[m.CommunityID][m.PlatformUserID]++
	}
}

// takeQueued takes up to limit capture jobs (0: all) and marks them done,
// as practice.queued does, and returns their items.
func (w *chaosWorld) takeQueued(ctx context.Context, s *knowledge.Store, limit int) ([]knowledge.CaptureItem, error) {
	if limit == 0 {
		limit = 1 << 30
	}
	rows, err := s.Pool().Query(ctx, `
		UPDATE river_job SET state = 'completed', finalized_at = now()
		WHERE id IN (SELECT id FROM river_job WHERE kind = 'capture_tips' AND state = 'available'
		             ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING args`, limit)
	if err != nil {
		return nil, err
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (knowledge.CaptureArgs, error) {
		var raw []byte
		var a knowledge.CaptureArgs
		if err := r.Scan(&raw); err != nil {
			return a, err
		}
		return a, json.Unmarshal(raw, &a)
	})
	if err != nil {
		return nil, err
	}
	var items []knowledge.CaptureItem
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, j := range jobs {
		for _, it := range j.Tips {
			w.queuedTips[[2]int64{it.CommunityID, it.TipID}]++
			items = append(items, it)
		}
	}
	return items, nil
}

func (w *chaosWorld) retryLater(rs ...chaosRetry) {
	w.mu.Lock()
	w.retry = append(w.retry, rs...)
	w.mu.Unlock()
}

func (w *chaosWorld) message(it knowledge.CaptureItem) *chaosMessage {
	c := w.byID[it.CommunityID]
	if c == nil {
		return nil
	}
	return c.byID[it.MessageID]
}

// captureRound is one go of a capture worker: jobs taken, or captures to
// retry (only those still pending, as a retried job does), fetched and
// completed in batches; a fetch fails now and then, an unfetchable message
// is given up on its second try, and a completed batch is sometimes
// completed again (a job retried after it saved). It reports whether it
// found anything to do.
func (w *chaosWorld) captureRound(ctx context.Context, s *knowledge.Store, rng *rand.Rand) bool {
	var work []chaosRetry
	items, err := w.takeQueued(ctx, s, 1+rng.IntN(4))
	if err != nil {
		w.fail("take capture jobs: %v", err)
		return false
	}
	for _, it := range items {
		work = append(work, chaosRetry{item: it})
	}
	if rng.IntN(3) == 0 {
		w.mu.Lock()
		n := min(len(w.retry), 1+rng.IntN(6))
		retry := slices.Clone(w.retry[:n])
		w.retry = slices.Delete(w.retry, 0, n)
		w.mu.Unlock()
		if len(retry) > 0 {
			retryItems := make([]knowledge.CaptureItem, len(retry))
			for i, r := range retry {
				retryItems[i] = r.item
			}
			left, err := s.StillPending(ctx, retryItems)
			if err != nil {
				w.fail("StillPending: %v", err)
				w.retryLater(retry...)
			}
			pending := map[[2]int64]bool{}
			for _, it := range left {
				pending[[2]int64{it.CommunityID, it.TipID}] = true
			}
			for _, r := range retry {
				if pending[[2]int64{r.item.CommunityID, r.item.TipID}] {
					work = append(work, r)
				}
			}
		}
	}
	if len(work) == 0 {
		return false
	}
	rng.Shuffle(len(work), func(i, j int) { work[i], work[j] = work[j], work[i] })
	for len(work) > 0 {
		var batch []chaosRetry
		inBatch := map[[2]int64]bool{}
		size := 1 + rng.IntN(5)
		for i := 0; i < len(work) && len(batch) < size; {
			k := [2]int64{work[i].item.CommunityID, work[i].item.TipID}
			if inBatch[k] { // a job holds each tip once
				i++
				continue
			}
			inBatch[k] = true
			batch = append(batch, work[i])
			work = slices.Delete(work, i, i+1)
		}
		if len(batch) == 0 {
			w.retryLater(work...)
			break
		}
		w.captureBatch(ctx, s, rng, batch)
	}
	return true
}

func (w *chaosWorld) captureBatch(ctx context.Context, s *knowledge.Store, rng *rand.Rand, batch []chaosRetry) {
	var done []knowledge.Captured
	var doneRetries, giveUp []chaosRetry
	for _, r := range batch {
		m := w.message(r.item)
		if m == nil {
			w.fail("a capture of a message the test never sent: %+v", r.item)
			continue
		}
		if rng.IntN(100) < 8 { // the fetch failed; the job tries again
			w.retryLater(chaosRetry{item: r.item, attempts: r.attempts + 1})
			continue
		}
		text, deleted := m.fetch()
		switch {
		case m.kind == chaosUnfetchable || deleted && rng.IntN(3) == 0:
			if r.attempts == 0 {
				w.retryLater(chaosRetry{item: r.item, attempts: 1})
			} else {
				giveUp = append(giveUp, r)
			}
			continue
		case deleted:
			done = append(done, knowledge.Captured{Item: r.item, Gone: true})
		case m.kind == chaosByBot:
			done = append(done, knowledge.Captured{Item: r.item, Message: knowledge.Message{Text: text, AuthorID: "B-bot", AuthorName: "bot", AuthorBot: true}})
		default:
			done = append(done, knowledge.Captured{Item: r.item, Message: knowledge.Message{Text: text, AuthorID: m.author,
				AuthorName: chaosName(m.author), Permalink: "https://chat.example/" + m.id}})
		}
		doneRetries = append(doneRetries, r)
	}
	if rng.IntN(2) == 0 { // the fetches take a while: edits may be recorded and applied meanwhile
		time.Sleep(time.Duration(rng.IntN(40000)) * time.Microsecond)
	}
	if len(giveUp) > 0 {
		items := make([]knowledge.CaptureItem, len(giveUp))
		for i, r := range giveUp {
			items[i] = r.item
		}
		if err := s.GiveUpCaptures(ctx, items); err != nil {
			if !knowledge.IsTransient(err) {
				w.fail("GiveUpCaptures: %v", err)
			}
			w.retried("GiveUpCaptures", err)
			w.retryLater(giveUp...)
		}
	}
	if len(done) == 0 {
		return
	}
	saved, err := s.CompleteCaptures(ctx, done)
	if err != nil {
		if !knowledge.IsTransient(err) {
			w.fail("CompleteCaptures: %v", err)
		}
		w.retried("CompleteCaptures", err)
		w.retryLater(doneRetries...)
		return
	}
	w.completions.Add(int64(len(saved)))
	fetched := map[int64]string{}
	for _, c := range done {
		fetched[c.Item.TipID] = c.Message.Text
	}
	for _, st := range saved {
		if st.Item.TipID != st.Tip.ID || st.Tip.SourceMessage != st.Item.MessageID {
			w.fail("CompleteCaptures saved %+v for %+v", st.Tip, st.Item)
		}
		if st.Tip.Text != fetched[st.Tip.ID] {
			w.staleFetches.Add(1)
		}
	}
	for _, r := range doneRetries {
		if rng.IntN(10) == 0 { // the job is retried although it saved
			w.retryLater(r)
		}
	}
}

// settle applies what is left in the inbox and completes every capture
// left, as the platform has each message now.
func (w *chaosWorld) settle(ctx context.Context) {
	t := w.t
	s := w.stores[0]
	for round := 0; ; round++ {
		if round == 50 {
			t.Error("captures still queued after 50 rounds")
			return
		}
		for i := 0; ; i++ {
			d, err := w.stores[i%2].DrainInbox(ctx, 1000)
			if knowledge.IsTransient(err) {
				continue
			}
			if err != nil {
				t.Errorf("DrainInbox after the chaos: %v", err)
				return
			}
			w.passed(d)
			if !d.Busy && d.Events == 0 {
				break
			}
		}
		items, err := w.takeQueued(ctx, s, 0)
		if err != nil {
			t.Fatal(err)
		}
		w.mu.Lock()
		for _, r := range w.retry {
			items = append(items, r.item)
		}
		w.retry = nil
		w.mu.Unlock()
		if len(items) == 0 {
			return
		}
		unique := map[[2]int64]bool{}
		items = slices.DeleteFunc(items, func(it knowledge.CaptureItem) bool {
			k := [2]int64{it.CommunityID, it.TipID}
			dup := unique[k]
			unique[k] = true
			return dup
		})
		left, err := s.StillPending(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		var done []knowledge.Captured
		var giveUp []knowledge.CaptureItem
		for _, it := range left {
			m := w.message(it)
			if m == nil {
				t.Errorf("a capture of a message the test never sent: %+v", it)
				continue
			}
			text, deleted := m.fetch()
			switch {
			case m.kind == chaosUnfetchable:
				giveUp = append(giveUp, it)
			case deleted:
				done = append(done, knowledge.Captured{Item: it, Gone: true})
			case m.kind == chaosByBot:
				done = append(done, knowledge.Captured{Item: it, Message: knowledge.Message{Text: text, AuthorID: "B-bot", AuthorBot: true}})
			default:
				done = append(done, knowledge.Captured{Item: it, Message: knowledge.Message{Text: text, AuthorID: m.author,
					AuthorName: chaosName(m.author), Permalink: "https://chat.example/" + m.id}})
			}
		}
		if err := s.GiveUpCaptures(ctx, giveUp); err != nil {
			t.Errorf("GiveUpCaptures after the chaos: %v", err)
		}
		if _, err := s.CompleteCaptures(ctx, done); err != nil {
			t.Errorf("CompleteCaptures after the chaos: %v", err)
		}
	}
}

type chaosTip struct {
	id, communityID int64
	number          int
	state, source   string
	text, channel   string
	tags            []string
	authorID        *int64
	authorName      string
	savedBy         *int64
	votes           int
	removed         string
	pendingEdit     *string
}

// check compares the database with the model.
func (w *chaosWorld) check(ctx context.Context) {
	t := w.t
	pool := w.stores[0].Pool()
	count := func(sql string, args ...any) int { return dbtest.Count(t, pool, sql, args...) }
	if n := count(`SELECT count(*) FROM inbox`); n != 0 {
		t.Errorf("%d events left in the inbox", n)
	}
	if n := count(`SELECT count(*) FROM river_job WHERE kind = 'capture_tips' AND state = 'available'`); n != 0 {
		t.Errorf("%d capture jobs left", n)
	}
	if n := count(`SELECT count(*) FROM tips WHERE state = 'pending'`); n != 0 {
		t.Errorf("%d tips left pending", n)
	}

	// Every acknowledged delivery was taken from the inbox once, and each
	// event id is seen once.
	if w.drained != w.acked {
		t.Errorf("the passes took %d deliveries from the inbox; %d were acknowledged", w.drained, w.acked)
	}
	rows, err := pool.Query(ctx, `SELECT community_id, count(*) FROM events_seen GROUP BY community_id`)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	var cid int64
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&cid, &n}, func() error { seen[cid] = n; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.communities {
		if seen[c.id] != len(w.seen[c.id]) {
			t.Errorf("community %d: %d event ids seen, %d acknowledged", c.index, seen[c.id], len(w.seen[c.id]))
		}
	}

	// Members: one id each, whoever made them.
	members := map[int64]map[string]int64{}
	byMemberID := map[[2]int64]string{}
	joinedAt := map[[2]int64]bool{}
	rows, err = pool.Query(ctx, `SELECT community_id, id, platform_user_id, joined_at IS NOT NULL FROM members`)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	var platformID string
	var hasJoined bool
	if _, err := pgx.ForEachRow(rows, []any{&cid, &id, &platformID, &hasJoined}, func() error {
		if members[cid] == nil {
			members[cid] = map[string]int64{}
		}
		members[cid][platformID] = id
		byMemberID[[2]int64{cid, id}] = platformID
		joinedAt[[2]int64{cid, id}] = hasJoined
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for cid, ms := range w.memberIDs {
		for member, ids := range ms {
			if len(ids) != 1 || !ids[members[cid][member]] {
				t.Errorf("community %d: commands saw %s as members %v; the member is %d", w.byID[cid].index, member, slices.Sorted(maps.Keys(ids)), members[cid][member])
			}
		}
	}
	for _, c := range w.communities {
		for member := range w.joined[c.id] {
			mid, ok := members[c.id][member]
			switch {
			case !ok:
				t.Errorf("community %d: %s joined and is no member", c.index, member)
			case !joinedAt[[2]int64{c.id, mid}]:
				t.Errorf("community %d: %s joined and has no join time", c.index, member)
			}
			if n := w.joinedFirst[c.id][member]; n != 1 {
				t.Errorf("community %d: %s's first join was reported %d times, want once", c.index, member, n)
			}
		}
		for member, n := range w.joinedFirst[c.id] {
			if !w.joined[c.id][member] {
				t.Errorf("community %d: %s's first join reported %d times; they never joined", c.index, member, n)
			}
		}
		for _, m := range c.messages {
			for member := range m.last {
				if _, ok := members[c.id][member]; !ok {
					t.Errorf("community %d: %s reacted and is no member", c.index, member)
				}
			}
		}
	}

	// Votes: each row's member exists.
	votes := map[[2]int64][]string{}
	rows, err = pool.Query(ctx, `
		SELECT v.community_id, v.tip_id, COALESCE(m.platform_user_id, '') FROM tip_votes v
		LEFT JOIN members m ON m.community_id = v.community_id AND m.id = v.member_id`)
	if err != nil {
		t.Fatal(err)
	}
	var tipID int64
	if _, err := pgx.ForEachRow(rows, []any{&cid, &tipID, &platformID}, func() error {
		if platformID == "" {
			t.Errorf("a vote for tip %d of community %d by no member", tipID, cid)
		}
		votes[[2]int64{cid, tipID}] = append(votes[[2]int64{cid, tipID}], platformID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Tips.
	rows, err = pool.Query(ctx, `
		SELECT id, community_id, COALESCE(number, 0), state, COALESCE(source_message, ''), text, channel_id, tags,
		       author_id, author_name, saved_by, votes, COALESCE(removed_reason, ''), pending_edit
		FROM tips`)
	if err != nil {
		t.Fatal(err)
	}
	tips, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chaosTip, error) {
		var x chaosTip
		err := r.Scan(&x.id, &x.communityID, &x.number, &x.state, &x.source, &x.text, &x.channel, &x.tags,
			&x.authorID, &x.authorName, &x.savedBy, &x.votes, &x.removed, &x.pendingEdit)
		return x, err
	})
	if err != nil {
		t.Fatal(err)
	}
	bySource := map[[2]string]chaosTip{}
	byNumber := map[int64]map[int]chaosTip{}
	for _, x := range tips {
		c := w.byID[x.communityID]
		if c == nil {
			t.Errorf("tip %d in a community the test never made", x.id)
			continue
		}
		if x.state == "saved" {
			if byNumber[x.communityID] == nil {
				byNumber[x.communityID] = map[int]chaosTip{}
			}
			if _, dup := byNumber[x.communityID][x.number]; dup {
				t.Errorf("community %d: two tips numbered %d", c.index, x.number)
			}
			byNumber[x.communityID][x.number] = x
		}
		if x.pendingEdit != nil {
			t.Errorf("community %d: tip %d (%s) keeps an edit %q", c.index, x.id, x.source, *x.pendingEdit)
		}
		if x.source != "" {
			bySource[[2]string{strconv.FormatInt(x.communityID, 10), x.source}] = x
			if c.byID[x.source] == nil {
				t.Errorf("community %d: tip %d of message %s the test never sent", c.index, x.id, x.source)
			}
		}
		if got := len(votes[[2]int64{x.communityID, x.id}]); got != x.votes {
			t.Errorf("community %d: tip %d (%s) counts %d votes and has %d", c.index, x.id, x.source, x.votes, got)
		}
	}
	for _, c := range w.communities {
		last := count(`SELECT COALESCE((SELECT last_number FROM tip_counters WHERE community_id = $1), 0)`, c.id)
		if len(byNumber[c.id]) != last {
			t.Errorf("community %d: %d tips numbered, the counter says %d", c.index, len(byNumber[c.id]), last)
		}
		for k := 1; k <= last; k++ {
			if _, ok := byNumber[c.id][k]; !ok {
				t.Errorf("community %d: no tip numbered %d of %d", c.index, k, last)
			}
		}
		for _, m := range c.messages {
			w.checkMessage(m, bySource[[2]string{strconv.FormatInt(c.id, 10), m.id}], members[c.id], votes, byMemberID)
		}
	}
	for _, st := range w.savedTips {
		x, ok := byNumber[st.c.id][st.number]
		switch {
		case !ok:
			t.Errorf("community %d: saved tip %d is gone", st.c.index, st.number)
		case x.source != "" || x.text != st.text || x.authorID == nil || *x.authorID != st.author || x.savedBy == nil || *x.savedBy != st.author || x.removed != "":
			t.Errorf("community %d: saved tip %d = %+v; want %q by member %d", st.c.index, st.number, x, st.text, st.author)
		}
	}
	if n := count(`SELECT count(*) FROM tips WHERE source_message IS NULL`); n != len(w.savedTips) {
		t.Errorf("%d tips without a message; %d saved with /cop save", n, len(w.savedTips))
	}
	for k, n := range w.queuedTips {
		if n != 1 {
			t.Errorf("tip %d of community %d was queued for capture %d times", k[1], w.byID[k[0]].index, n)
		}
	}
}

// checkMessage compares a message's tip with what was acknowledged of it.
func (w *chaosWorld) checkMessage(m *chaosMessage, x chaosTip, members map[string]int64, votes map[[2]int64][]string, byMemberID map[[2]int64]string) {
	t := w.t
	has := x.id != 0
	where := fmt.Sprintf("community %d, message %s", m.c.index, m.id)
	want := m.voters()
	got := slices.Clone(votes[[2]int64{x.communityID, x.id}])
	sort.Strings(got)
	switch {
	case m.kind == chaosUnfetchable || m.kind == chaosByBot:
		if has {
			t.Errorf("%s (unfetchable or a bot's): a tip %+v", where, x)
		}
		return
	case m.deleted:
		if has && (x.removed != "deleted" || x.text != "") {
			t.Errorf("%s was deleted: its tip %d is %q, removed %q, with text %q", where, x.id, x.state, x.removed, x.text)
		}
		if has && !slices.Equal(got, want) {
			t.Errorf("%s (deleted): votes by %v, want %v (each member's last reaction)", where, got, want)
		}
		return
	case !has:
		if len(want) > 0 {
			t.Errorf("%s: no tip, and %v voted for it", where, want)
		}
		return
	}
	if x.state != "saved" {
		t.Errorf("%s: tip %d is %s", where, x.id, x.state)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: tip %d has votes by %v, want %v (each member's last reaction)", where, x.id, got, want)
	}
	switch {
	case len(want) > 0 && x.removed != "":
		t.Errorf("%s: tip %d has %d votes and was removed (%s)", where, x.id, len(want), x.removed)
	case len(want) == 0 && x.removed != "unvoted":
		t.Errorf("%s: tip %d has no votes and is removed %q, want unvoted", where, x.id, x.removed)
	}
	text, _ := m.fetch()
	if x.text != text {
		t.Errorf("%s: tip %d's text is %q, want the message's %q", where, x.id, x.text, text)
	}
	for _, tag := range knowledge.Hashtags(text) {
		if !slices.Contains(x.tags, tag) {
			t.Errorf("%s: tip %d's tags %v lack %q", where, x.id, x.tags, tag)
		}
	}
	author, ok := members[m.author]
	switch {
	case !ok:
		t.Errorf("%s: its author %s is no member", where, m.author)
	case x.authorID == nil:
		t.Errorf("%s: tip %d has no author; %s (member %d) wrote it", where, x.id, m.author, author)
	case *x.authorID != author:
		t.Errorf("%s: tip %d's author is member %d (%s); %s (member %d) wrote it", where, x.id, *x.authorID, byMemberID[[2]int64{x.communityID, *x.authorID}], m.author, author)
	}
	if x.authorName != chaosName(m.author) || x.channel != m.channel {
		t.Errorf("%s: tip %d is by %q in %q, want %q in %q", where, x.id, x.authorName, x.channel, chaosName(m.author), m.channel)
	}
}
