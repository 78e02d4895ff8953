package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/copbot/copbot/bot"
)

// The gateway intents copbot asks for. Members and message content are
// privileged: each must be switched on in the developer portal, and Discord
// closes the gateway with 4014 when one is not.
const (
	baseIntents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsGuildMessageReactions
	allIntents  = baseIntents | discordgo.IntentsGuildMembers | discordgo.IntentsMessageContent
)

// closeDisallowedIntents is the gateway close code for a privileged intent
// the application may not use; the other fatal codes end Run.
const closeDisallowedIntents = 4014

var fatalCloseCodes = map[int]string{
	4004: "the bot token was refused",
	4010: "the shard id is invalid",
	4011: "the bot is in too many guilds for one shard: set DISCORD_SHARD_ID and DISCORD_SHARD_COUNT",
	4012: "the gateway version is invalid",
	4013: "the intents are invalid",
}

// gateway is one Run of the gateway connection.
type gateway struct {
	a     *Adapter
	h     bot.Handler
	spool *spool
	// kick wakes the replayer; lost wakes Run when the connection drops.
	kick, lost chan struct{}

	mu        sync.Mutex
	sessionID string
	intents   discordgo.Intent
}

// Run connects to the gateway and hands its events to h until ctx ends.
// Without a bot token it only waits, letting interactions that came over
// HTTP finish. It returns an error only for problems that retrying cannot
// fix (a refused token, a wrong shard); a dropped connection is resumed.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	defer a.inflight.Wait()
	if a.opts.Token == "" {
		<-ctx.Done()
		return nil
	}
	sp, err := openSpool(a.spoolDir(), a.metrics.spool)
	if err != nil {
		return err
	}
	defer sp.Close()
	g := &gateway{a: a, h: h, spool: sp, kick: make(chan struct{}, 1), lost: make(chan struct{}, 1), intents: allIntents}
	remove := []func(){
		a.api.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) { g.dispatch(ctx, e) }),
		a.api.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) { signal(g.lost) }),
	}
	defer func() {
		for _, r := range remove {
			r()
		}
	}()
	var replaying sync.WaitGroup
	replaying.Go(func() { g.replayLoop(ctx) })
	defer replaying.Wait()
	signal(g.kick) // events a previous run left in the spool

	wait := time.Second
	for {
		err := g.open()
		var ce *websocket.CloseError
		if errors.As(err, &ce) && fatalCloseCodes[ce.Code] != "" {
			return fmt.Errorf("discord gateway closed (%d): %s", ce.Code, fatalCloseCodes[ce.Code])
		}
		if err != nil {
			a.log.WarnContext(ctx, "discord gateway not connected; retrying", slog.Duration("in", wait), slog.Any("error", err))
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			wait = min(2*wait, 2*time.Minute)
			continue
		}
		wait = time.Second
		a.connected.Store(true)
		select {
		case <-ctx.Done():
			a.connected.Store(false)
			if err := a.api.Close(); err != nil {
				a.log.WarnContext(ctx, "close discord gateway", slog.Any("error", err))
			}
			return nil
		case <-g.lost:
			a.connected.Store(false)
			a.log.InfoContext(ctx, "discord gateway connection lost; resuming")
		}
	}
}

// Ready says whether the gateway is connected; an adapter that serves only
// the HTTP interactions endpoint is always ready.
func (a *Adapter) Ready() error {
	if a.opts.Token != "" && !a.connected.Load() {
		return errors.New("the gateway is not connected")
	}
	return nil
}

// spoolDir is this shard's own directory under SpoolDir, so that shards
// running on one machine can share the setting.
func (a *Adapter) spoolDir() string {
	return filepath.Join(a.opts.SpoolDir, "discord-shard-"+strconv.Itoa(a.opts.ShardID))
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// open connects (resuming the session when there is one). When Discord
// refuses a privileged intent it says so once and tries again without it:
// first without message content, then without members, then without both.
func (g *gateway) open() error {
	tried := map[discordgo.Intent]bool{}
	for {
		g.mu.Lock()
		intents := g.intents
		g.mu.Unlock()
		tried[intents] = true
		g.a.api.Identify.Intents = intents
		err := g.a.api.Open()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != closeDisallowedIntents {
			return err
		}
		next := intents
		for _, candidate := range []discordgo.Intent{
			allIntents &^ discordgo.IntentsMessageContent,
			allIntents &^ discordgo.IntentsGuildMembers,
			baseIntents,
		} {
			if !tried[candidate] {
				next = candidate
				break
			}
		}
		if next == intents {
			return fmt.Errorf("discord refused every set of intents copbot can work with: %w", err)
		}
		g.a.log.Error("Discord refused a privileged gateway intent (close 4014): enable the Message Content and Server Members intents at " +
			"https://discord.com/developers/applications/" + g.a.opts.AppID + "/bot; until then copbot runs without " + missing(next) +
			" (tips saved by reaction keep only their link; newcomers are not welcomed)")
		g.mu.Lock()
		g.intents = next
		g.mu.Unlock()
	}
}

func missing(intents discordgo.Intent) string {
	var m []string
	if intents&discordgo.IntentsMessageContent == 0 {
		m = append(m, "message content")
	}
	if intents&discordgo.IntentsGuildMembers == 0 {
		m = append(m, "member joins")
	}
	return strings.Join(m, " and ")
}

// dispatch takes every gateway dispatch in order, on discordgo's reading
// goroutine. Guild data updates the cache; interactions are answered on
// their own goroutine (they must be acknowledged within 3 s, whatever is
// queued); everything else is recorded before the next dispatch is read.
func (g *gateway) dispatch(ctx context.Context, e *discordgo.Event) {
	received := time.Now()
	switch v := e.Struct.(type) {
	case *discordgo.Ready:
		g.mu.Lock()
		g.sessionID = v.SessionID
		g.mu.Unlock()
		return
	case *discordgo.InteractionCreate:
		if v.Interaction == nil {
			return
		}
		g.a.inflight.Go(func() { g.a.interactGateway(context.WithoutCancel(ctx), g.h, v.Interaction, received) })
		return
	}
	g.a.guilds.update(e.Struct)
	evs := g.a.translate(ctx, e)
	g.mu.Lock()
	// A session's sequence numbers are unique and a RESUME replays them
	// unchanged, so the pair identifies the dispatch across redelivery; a
	// dispatch that makes several events (a bulk deletion) adds each one's
	// message.
	id := strings.ToLower(e.Type) + ":" + g.sessionID + ":" + strconv.FormatInt(e.Sequence, 10)
	g.mu.Unlock()
	for _, ev := range evs {
		ev.ID = id
		if len(evs) > 1 {
			ev.ID += ":" + ev.Message.ID
		}
		if err := ev.Check(); err != nil {
			// Neither recording nor spooling it would help: it would fail
			// every time, and hold up the events behind it.
			g.a.metrics.eventRejected("malformed")
			g.a.log.WarnContext(ctx, "discord event refused", slog.String("event_id", ev.ID), slog.Any("error", err))
			continue
		}
		g.record(ctx, ev, received)
	}
}

// record hands ev to the core or, when the core cannot record it (or
// events are already waiting, which keeps them in order), to the spool.
func (g *gateway) record(ctx context.Context, ev *bot.Event, received time.Time) {
	g.a.metrics.eventReceived(ev.Kind)
	defer g.a.metrics.acked(received)
	if g.spool.Len() == 0 {
		rctx, cancel := context.WithTimeout(ctx, g.a.opts.RecordTimeout)
		_, err := g.h.HandleEvent(rctx, ev)
		cancel()
		if err == nil {
			return
		}
		g.a.metrics.eventRejected("not_recorded")
		g.a.log.WarnContext(ctx, "discord event not recorded; spooling it", slog.String("event_id", ev.ID), slog.Any("error", err))
	}
	if err := g.spool.Append(ev); err != nil {
		g.a.log.ErrorContext(ctx, "discord event lost: neither recorded nor spooled", slog.String("event_id", ev.ID),
			slog.String("kind", ev.Kind.String()), slog.Any("error", err))
		return
	}
	signal(g.kick)
}

// replayLoop hands spooled events to the core in order, backing off while
// it refuses them.
func (g *gateway) replayLoop(ctx context.Context) {
	wait := g.a.opts.ReplayInterval
	for {
		if g.spool.Len() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-g.kick:
				continue
			}
		}
		n, err := g.replay(ctx)
		if n > 0 {
			g.a.log.InfoContext(ctx, "replayed spooled discord events", slog.Int("events", n), slog.Int("left", g.spool.Len()))
		}
		if err == nil {
			wait = g.a.opts.ReplayInterval
			continue
		}
		if ctx.Err() != nil {
			return
		}
		g.a.log.WarnContext(ctx, "spooled discord events wait for the database", slog.Int("events", g.spool.Len()),
			slog.Duration("retry_in", wait), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

func (g *gateway) replay(ctx context.Context) (int, error) {
	n := 0
	for {
		ev, name, err := g.spool.Head()
		if err != nil {
			g.a.log.ErrorContext(ctx, "discord spool", slog.Any("error", err))
			continue
		}
		if ev == nil {
			return n, nil
		}
		rctx, cancel := context.WithTimeout(ctx, g.a.opts.RecordTimeout)
		_, err = g.h.HandleEvent(rctx, ev)
		cancel()
		if err != nil {
			return n, err
		}
		if err := g.spool.Done(name); err != nil {
			return n, err
		}
		n++
	}
}
