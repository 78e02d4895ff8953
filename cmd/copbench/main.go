// Command copbench is copbot's load tool. It starts a durable throwaway
// PostgreSQL, a fake Slack Web API and the real `copbot serve`, then sends
// signed Slack events and slash-command searches and reports: events
// acknowledged per second at saturation and the acknowledgement latency at a
// paced rate, tips captured per second end to end (message fetch included),
// search latency in a community of many tips, and copbot's peak resident
// memory. In the same run it measures what each figure is compared against:
// a minimal handler that verifies the same signature and makes one durable
// single-row insert (for acknowledgements), and the raw single-row durable
// insert rate of the same PostgreSQL (for capture).
//
// With -communities N it then creates N named communities in the load
// workspace and runs saturation and the paced rate again, the reactions
// spread over their home channels and channels of no community, the paced
// run changing home channels as it goes; it checks from the database that
// every tip was saved in the community its channel belongs to, and reports
// the acknowledgement ratio with and without the communities.
//
//	go run ./cmd/copbench                      # everything, 1,000,000 tips for search
//	go run ./cmd/copbench -tips 0              # no search
//	go run ./cmd/copbench -tips 0 -communities 1000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type config struct {
	copbot      string
	events      int
	senders     int
	rate        int
	paced       time.Duration
	baseline    time.Duration
	tips        int
	searches    int
	communities int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "copbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("copbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.copbot, "copbot", "", "the copbot binary (default: build ./cmd/copbot)")
	fs.IntVar(&cfg.events, "events", 20000, "reactions sent at saturation, each on a message of its own")
	fs.IntVar(&cfg.senders, "senders", 32, "connections sending at once")
	fs.IntVar(&cfg.rate, "rate", 1000, "events per second in the paced run")
	fs.DurationVar(&cfg.paced, "paced", 10*time.Second, "how long the paced run lasts")
	fs.DurationVar(&cfg.baseline, "baseline", 5*time.Second, "how long each raw insert baseline runs")
	fs.IntVar(&cfg.tips, "tips", 1_000_000, "tips in the community searched (0: no search)")
	fs.IntVar(&cfg.searches, "searches", 200, "searches per query shape")
	fs.IntVar(&cfg.communities, "communities", 0, "named communities in the load workspace for a second saturation and paced run (0: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := func(format string, a ...any) { fmt.Fprintf(stderr, "· "+format+"\n", a...) }

	env, err := setUp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer env.tearDown()

	var r report
	r.config = cfg
	log("raw single-row durable inserts, %d connections, %s", cfg.senders, cfg.baseline)
	if r.rawInserts, err = rawInsertRate(ctx, env.pool, cfg.senders, cfg.baseline); err != nil {
		return err
	}
	log("minimal signed handler (signature + one insert), %d events", cfg.events)
	if r.minimal, err = env.minimalHandler(ctx, cfg); err != nil {
		return err
	}
	log("warm-up: 2,000 captures, then ANALYZE (what autovacuum does on a running system)")
	if _, err := env.capture(ctx, cfg, runWarm, warmUps, oneChannel); err != nil {
		return err
	}
	log("copbot at saturation: %d reactions from %d connections", cfg.events, cfg.senders)
	if r.saturation, err = env.capture(ctx, cfg, runSaturation, cfg.events, oneChannel); err != nil {
		return err
	}
	log("copbot paced: %d events/s for %s", cfg.rate, cfg.paced)
	if r.paced, err = env.paced(ctx, cfg, runPaced, oneChannel); err != nil {
		return err
	}
	if cfg.communities > 0 {
		if r.withCommunities, err = env.withCommunities(ctx, cfg, log); err != nil {
			return err
		}
	}
	if cfg.tips > 0 {
		log("search: filling a community with %d tips (COPY)", cfg.tips)
		if r.search, err = env.search(ctx, cfg, log); err != nil {
			return err
		}
	}
	r.rssPeak = env.copbot.peakRSS()
	r.print(stdout)
	return nil
}
