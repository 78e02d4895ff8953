package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/knowledge"
)

// startJobs runs the core's durable jobs with river until ctx ends; stop
// lets jobs in flight finish. interactive polls more often, for the console,
// where a person waits on every capture.
func startJobs(ctx context.Context, pool *pgxpool.Pool, core *commands.Core, log *slog.Logger, interactive bool) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	core.AddWorkers(workers)
	core.AddObjectiveWorkers(workers)
	cfg := &river.Config{
		Logger:       log,
		Workers:      workers,
		PeriodicJobs: append(commands.PeriodicJobs(), commands.ObjectivePeriodicJobs()...),
		Queues: map[string]river.QueueConfig{
			river.QueueDefault:     {MaxWorkers: 4},
			knowledge.QueueCapture: {MaxWorkers: 16},
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
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("start jobs: %w", err)
	}
	return client, nil
}
