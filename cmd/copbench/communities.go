package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/copbot/copbot/internal/loadgen"
	"github.com/copbot/copbot/knowledge"
)

// Each named community of the load workspace has homesPer home channels
// the load reacts in, and one more channel (its spare) that the paced run
// adds to and removes from its homes. Beside each community's homes the
// load reacts in one channel of no community, so one reaction in
// homesPer+1 belongs to the workspace's default community.
const homesPer = 3

// churnEvery is how often the paced run changes a community's home
// channels: more often than copbot checks for routing changes (every 2 s),
// so every check finds one and copbot reads its routing again.
const churnEvery = 500 * time.Millisecond

// admin is the workspace admin who creates the communities and changes
// their channels.
var admin = knowledge.Person{PlatformUserID: "UBENCHADMIN", DisplayName: "bench admin", IsAdmin: true}

// workspace is the load workspace's communities, as copbench made them.
type workspace struct {
	store *knowledge.Store
	def   knowledge.Community
	named []knowledge.Community // community k owns homeChannel(k, 0..homesPer-1)
	spare []bool                // whether community k's spare channel is one of its homes (churn's own)
}

// homeChannel is the j-th home channel of community k.
func homeChannel(k, j int) string { return fmt.Sprintf("CH%05d%d", k, j) }

// spareChannel is the channel the paced run adds to community k's homes
// and removes again; no reaction is sent there.
func spareChannel(k int) string { return fmt.Sprintf("CS%05d", k) }

// defaultChannel is a channel of no community, beside community k's.
func defaultChannel(k int) string { return fmt.Sprintf("CD%05d", k) }

// channel spreads reactions over every community's home channels and as
// many channels of no community: reaction i goes to channel(i).
func (w *workspace) channel(i int) string {
	slot := i % (len(w.named) * (homesPer + 1))
	k, j := slot/(homesPer+1), slot%(homesPer+1)
	if j == homesPer {
		return defaultChannel(k)
	}
	return homeChannel(k, j)
}

// expected is the community each channel of the load belongs to.
func (w *workspace) expected() map[string]int64 {
	m := map[string]int64{}
	for k, c := range w.named {
		for j := range homesPer {
			m[homeChannel(k, j)] = c.ID
		}
		m[defaultChannel(k)] = w.def.ID
	}
	return m
}

// makeCommunities creates n named communities in the load workspace, each
// with homesPer home channels, as `/cop community create` does, from a few
// connections at once.
func (e *env) makeCommunities(ctx context.Context, n int) (*workspace, error) {
	store, err := knowledge.NewStore(e.pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	w := &workspace{store: store, named: make([]knowledge.Community, n), spare: make([]bool, n)}
	if w.def, err = store.Community(ctx, "slack", team); err != nil {
		return nil, err
	}
	by, err := store.SeeMember(ctx, w.def.ID, admin)
	if err != nil {
		return nil, err
	}
	var next atomic.Int64
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range cap(errs) {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= n || ctx.Err() != nil {
					return
				}
				homes := make([]knowledge.HomeChannel, homesPer)
				for j := range homes {
					homes[j] = knowledge.HomeChannel{ID: homeChannel(k, j), Name: fmt.Sprintf("guild-%d-%d", k, j)}
				}
				c, err := store.CreateCommunity(ctx, by, fmt.Sprintf("guild-%d", k), homes)
				if err != nil {
					errs <- fmt.Errorf("create community %d: %w", k, err)
					return
				}
				w.named[k] = c
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return w, ctx.Err()
}

// churn changes a community's home channels every churnEvery until ctx
// ends, adding its spare channel or removing it again, as a facilitator's
// `/cop community channels add|remove` does from another copbot process:
// copbot learns of it by its routing check and reads its routing again.
// The load's channels never change hands, so where each reaction belongs
// stays known. It returns how many changes it made.
func (w *workspace) churn(ctx context.Context) (int, error) {
	t := time.NewTicker(churnEvery)
	defer t.Stop()
	changes := 0
	for step := 0; ; step++ {
		select {
		case <-ctx.Done():
			return changes, nil
		case <-t.C:
		}
		k := step * 7919 % len(w.named) // a prime stride: a different community each time
		by, err := w.store.SeeMember(ctx, w.named[k].ID, admin)
		if err != nil {
			return changes, fmt.Errorf("see the facilitator of community %d: %w", k, err)
		}
		add := !w.spare[k]
		changed, err := w.store.ChangeHomes(ctx, by, add, []knowledge.HomeChannel{{ID: spareChannel(k), Name: fmt.Sprintf("spare-%d", k)}})
		if ctx.Err() != nil {
			return changes, nil
		}
		if err != nil || len(changed) != 1 {
			return changes, fmt.Errorf("change the home channels of community %d (add %t): changed %d, %v", k, add, len(changed), err)
		}
		w.spare[k] = add
		changes++
	}
}

// routingChecked is what checkRouting found of one run's tips.
type routingChecked struct {
	tips, channels, communities int
}

// checkRouting reads from the database where each tip of a run was saved
// and fails unless every one is in the community its channel belongs to,
// and every reaction of the run made one tip.
func (e *env) checkRouting(ctx context.Context, w *workspace, run, n int) (routingChecked, error) {
	var r routingChecked
	want := map[string]int{} // tips per channel
	for i := range n {
		want[w.channel(i)]++
	}
	expected := w.expected()
	rows, err := e.pool.Query(ctx, `
		SELECT t.channel_id, t.community_id, count(*) FROM tips t
		JOIN communities c ON c.id = t.community_id
		WHERE c.platform = 'slack' AND c.external_id = $1 AND t.source_message LIKE $2 AND t.state = 'saved'
		GROUP BY 1, 2`, team, fmt.Sprintf("17%d%%", run))
	if err != nil {
		return r, fmt.Errorf("count tips per community: %w", err)
	}
	defer rows.Close()
	got := map[string]int{}
	communities := map[int64]bool{}
	var wrong []string
	for rows.Next() {
		var channel string
		var community int64
		var n int
		if err := rows.Scan(&channel, &community, &n); err != nil {
			return r, err
		}
		if exp, ok := expected[channel]; !ok || exp != community {
			wrong = append(wrong, fmt.Sprintf("%d tips of #%s in community %d, want %d", n, channel, community, exp))
		}
		got[channel] += n
		communities[community] = true
		r.tips += n
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	for channel, n := range want {
		if got[channel] != n {
			wrong = append(wrong, fmt.Sprintf("#%s has %d tips, want %d", channel, got[channel], n))
		}
	}
	if len(wrong) > 0 {
		return r, fmt.Errorf("tips of run %d are not where their channels belong (%d mismatches), first: %v", run, len(wrong), wrong[:min(5, len(wrong))])
	}
	r.channels, r.communities = len(want), len(communities)
	return r, nil
}

// communitiesResult is copbot's second saturation and paced runs, with
// many named communities in the load workspace.
type communitiesResult struct {
	n       int
	created time.Duration
	// minimal is the minimal handler again, just before saturation: the
	// load of a shared machine changes over a run, and the ratio compares
	// what ran under the same load.
	minimal    float64
	saturation captureResult
	paced      latencies
	changes    int
	routed     routingChecked // both runs
}

// withCommunities creates cfg.communities named communities, then runs
// saturation and the paced rate again with the reactions spread over them,
// the paced run changing home channels as it goes, and checks where every
// tip of both runs was saved.
func (e *env) withCommunities(ctx context.Context, cfg config, log func(string, ...any)) (communitiesResult, error) {
	r := communitiesResult{n: cfg.communities}
	// The runs before did not all wait for their tips (the paced run does
	// not): let them finish, so that the tips counted below are this one's.
	if err := e.waitSaved(ctx, 0, warmUps+cfg.events+pacedEvents(cfg)); err != nil {
		return r, err
	}
	log("creating %d communities with %d home channels each", cfg.communities, homesPer)
	start := time.Now()
	w, err := e.makeCommunities(ctx, cfg.communities)
	if err != nil {
		return r, err
	}
	r.created = time.Since(start)
	log("created in %s; waiting until copbot routes by them", r.created.Round(time.Millisecond))
	if err := e.waitRouted(ctx, w, len(w.named)-1); err != nil {
		return r, err
	}

	log("minimal signed handler again, %d events", cfg.events)
	if r.minimal, err = e.minimalHandler(ctx, cfg); err != nil {
		return r, err
	}
	log("copbot at saturation, %d communities: %d reactions from %d connections", cfg.communities, cfg.events, cfg.senders)
	if r.saturation, err = e.capture(ctx, cfg, runCommunities, cfg.events, w.channel); err != nil {
		return r, err
	}
	sat, err := e.checkRouting(ctx, w, runCommunities, cfg.events)
	if err != nil {
		return r, err
	}

	log("copbot paced, %d communities: %d events/s for %s, a community's home channels changed every %s",
		cfg.communities, cfg.rate, cfg.paced, churnEvery)
	before, err := e.savedTips(ctx)
	if err != nil {
		return r, err
	}
	churnCtx, stopChurn := context.WithCancel(ctx)
	var churnErr error
	churned := make(chan struct{})
	go func() {
		defer close(churned)
		r.changes, churnErr = w.churn(churnCtx)
	}()
	r.paced, err = e.paced(ctx, cfg, runCommunitiesPaced, w.channel)
	stopChurn()
	<-churned
	if err != nil {
		return r, err
	}
	if churnErr != nil {
		return r, churnErr
	}
	n := pacedEvents(cfg)
	if err := e.waitSaved(ctx, before, n); err != nil {
		return r, err
	}
	paced, err := e.checkRouting(ctx, w, runCommunitiesPaced, n)
	if err != nil {
		return r, err
	}
	r.routed = routingChecked{tips: sat.tips + paced.tips, channels: max(sat.channels, paced.channels),
		communities: max(sat.communities, paced.communities)}
	return r, nil
}

// waitRouted waits until copbot routes community k's home channel to it.
// copbench changes communities from a process of its own, which copbot
// learns of within its routing check (2 s) after an event asks: until then
// a reaction would go to the community its channel had before.
func (e *env) waitRouted(ctx context.Context, w *workspace, k int) error {
	want := fmt.Sprintf("Here you are in the community *%s*", w.named[k].Name)
	deadline := time.Now().Add(30 * time.Second)
	for try := 0; ; try++ {
		form := loadgen.SlackCommand(team, admin.PlatformUserID, homeChannel(k, 0), "home", "community",
			e.slack.ResponseURL("community"), fmt.Sprintf("route-%d-%d", k, try))
		body := []byte(form.Encode())
		h := http.Header{}
		loadgen.SignSlack(h, secret, time.Now(), body)
		answer, err := e.command(ctx, event{body: body, stamp: h.Get("X-Slack-Request-Timestamp"), signature: h.Get("X-Slack-Signature")})
		if err == nil && strings.HasPrefix(answer, want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("copbot does not route #%s to %s after 30 s: answered %.200q (%v)", homeChannel(k, 0), w.named[k].Name, answer, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}
