package commands

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// BackgroundOptions tune the core's background work. A nil
// *BackgroundOptions uses the defaults.
type BackgroundOptions struct {
	// Logger receives river's logs; default the core's.
	Logger *slog.Logger
	// Interactive polls for jobs often, for the console and tests, where a
	// person (or an assertion) waits on every capture.
	Interactive bool
	// NoPeriodic leaves out the recurring jobs (pruning, reminder planning),
	// for tests that schedule their own.
	NoPeriodic bool
	// RescueAfter is how long a job that was running when its process died
	// stays so before river runs it again; default 2 minutes (river's own is
	// an hour, long for a capture someone waits on). Jobs time out at half
	// of it, at most a minute, so a live job is never taken for a dead one.
	RescueAfter time.Duration
	// Platforms are those whose captures and notices this process works:
	// platforms it has an adapter for that can fetch messages and send
	// notices. Default: every adapter the core was given, and the console.
	Platforms []string
}

// Background is the core's work after the acknowledgement: the inbox passes
// and the durable jobs.
type Background struct {
	jobs      *river.Client[pgx.Tx]
	stopInbox context.CancelFunc
	inboxDone chan struct{}
}

// StartBackground runs the inbox passes (runInbox) and the core's jobs on
// river until Stop. Every copbot process runs it: passes and jobs are shared
// out through PostgreSQL, and periodic jobs run on river's leader only.
func (c *Core) StartBackground(ctx context.Context, opts *BackgroundOptions) (*Background, error) {
	if opts == nil {
		opts = &BackgroundOptions{}
	}
	log := opts.Logger
	if log == nil {
		log = c.log
	}
	workers := river.NewWorkers()
	c.addWorkers(workers)
	cfg := &river.Config{
		Logger:  log,
		Workers: workers,
		// Settle needs to know which jobs this process worked to the end:
		// river records that in batches, up to 250 ms later.
		Middleware: []rivertype.Middleware{river.WorkerMiddlewareFunc(
			func(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
				defer c.finish(job.ID)
				return doInner(ctx)
			})},
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
	}
	platforms := opts.Platforms
	if platforms == nil {
		platforms = []string{string(bot.Console)}
		for p := range c.adapters {
			platforms = append(platforms, string(p))
		}
	}
	// Four capture jobs at a time, each fetching 16 messages at once: on two
	// cores that keeps captures above 2,000 a second while leaving the
	// acknowledgements, which a platform waits on, room to answer first
	// (copbench: eight jobs captured 15% faster and acknowledged 40% slower).
	for _, p := range platforms {
		cfg.Queues[knowledge.CaptureQueue(p)] = river.QueueConfig{MaxWorkers: 4}
		cfg.Queues[knowledge.NoticeQueue(p)] = river.QueueConfig{MaxWorkers: 4}
	}
	if !opts.NoPeriodic {
		cfg.PeriodicJobs = periodicJobs()
	}
	cfg.RescueStuckJobsAfter = cmp.Or(opts.RescueAfter, 2*time.Minute)
	cfg.JobTimeout = min(time.Minute, cfg.RescueStuckJobsAfter/2)
	if opts.Interactive {
		cfg.FetchCooldown = 2 * time.Millisecond
		cfg.FetchPollInterval = 20 * time.Millisecond
	}
	jobs, err := river.NewClient(riverpgxv5.New(c.store.Pool()), cfg)
	if err != nil {
		return nil, fmt.Errorf("create job client: %w", err)
	}
	if err := jobs.Start(ctx); err != nil {
		return nil, fmt.Errorf("start jobs: %w", err)
	}
	inboxCtx, stopInbox := context.WithCancel(context.WithoutCancel(ctx))
	b := &Background{jobs: jobs, stopInbox: stopInbox, inboxDone: make(chan struct{})}
	go func() {
		defer close(b.inboxDone)
		c.runInbox(inboxCtx)
	}()
	return b, nil
}

// Jobs is the river client, for watching job outcomes.
func (b *Background) Jobs() *river.Client[pgx.Tx] { return b.jobs }

// Stop ends the inbox passes and lets the jobs in flight finish within ctx's
// deadline, then cancels what still runs: river returns those jobs to the
// queue, for this process after a restart or for another one.
func (b *Background) Stop(ctx context.Context) error {
	b.stopInbox()
	<-b.inboxDone
	if err := b.jobs.Stop(ctx); err == nil {
		return nil
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := b.jobs.StopAndCancel(hard); err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}
