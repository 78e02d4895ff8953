package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/knowledge"
)

// startJobs runs the core's background work until stop is called: the
// inbox of recorded events and the durable jobs (river). stop lets a pass
// and jobs in flight finish within its context's deadline, then cancels
// what still runs. interactive
// polls more often, for the console, where a person waits on every capture.
// With reg, the jobs' outcomes are counted there.
func startJobs(ctx context.Context, pool *pgxpool.Pool, core *commands.Core, log *slog.Logger, interactive bool, reg prometheus.Registerer) (stop func(context.Context) error, err error) {
	workers := river.NewWorkers()
	core.AddWorkers(workers)
	cfg := &river.Config{
		Logger:       log,
		Workers:      workers,
		PeriodicJobs: commands.PeriodicJobs(),
		Queues: map[string]river.QueueConfig{
			river.QueueDefault:     {MaxWorkers: 4},
			knowledge.QueueCapture: {MaxWorkers: 8},
		},
	}
	if interactive {
		cfg.FetchCooldown = 2 * time.Millisecond
		cfg.FetchPollInterval = 20 * time.Millisecond
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("create job client: %w", err)
	}
	inboxCtx, stopInbox := context.WithCancel(context.WithoutCancel(ctx))
	if reg != nil {
		countJobs(inboxCtx, client, reg)
	}
	if err := client.Start(ctx); err != nil {
		stopInbox()
		return nil, fmt.Errorf("start jobs: %w", err)
	}
	inboxDone := make(chan struct{})
	go func() {
		defer close(inboxDone)
		core.RunInbox(inboxCtx)
	}()
	return func(ctx context.Context) error {
		stopInbox()
		<-inboxDone
		if err := client.Stop(ctx); err == nil {
			return nil
		}
		// Out of time: cancel the jobs still running; river returns them to
		// the queue, for this process after a restart or for another one.
		hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := client.StopAndCancel(hard); err != nil {
			return fmt.Errorf("stop jobs: %w", err)
		}
		return nil
	}, nil
}
