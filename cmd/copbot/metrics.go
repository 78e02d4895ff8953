package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/knowledge"
)

// newMetrics makes the registry that GET /metrics serves, with the Go
// runtime and the process. The adapters add their own counters (events
// received and rejected, acknowledgement latency, Web API calls),
// measureStore the database pool and the inbox, and countJobs the jobs'
// outcomes.
func newMetrics() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// measureStore adds the database pool's statistics and the inbox backlog.
func measureStore(reg prometheus.Registerer, pool *pgxpool.Pool, store *knowledge.Store, log *slog.Logger) {
	reg.MustRegister(&poolCollector{pool: pool}, &inboxCollector{store: store, log: log})
}

var (
	poolConnsDesc = prometheus.NewDesc("copbot_db_pool_connections",
		"Connections of the database pool by state.", []string{"state"}, nil)
	poolAcquiresDesc = prometheus.NewDesc("copbot_db_pool_acquires_total",
		"Connections acquired from the pool.", nil, nil)
	poolEmptyAcquiresDesc = prometheus.NewDesc("copbot_db_pool_empty_acquires_total",
		"Acquires that had to wait because no connection was idle.", nil, nil)
	poolAcquireWaitDesc = prometheus.NewDesc("copbot_db_pool_acquire_wait_seconds_total",
		"Time spent waiting for a connection.", nil, nil)
)

// poolCollector reads the pool's statistics at each scrape.
type poolCollector struct{ pool *pgxpool.Pool }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	prometheus.DescribeByCollect(c, ch)
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(s.MaxConns()), "max")
	ch <- prometheus.MustNewConstMetric(poolAcquiresDesc, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolEmptyAcquiresDesc, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolAcquireWaitDesc, prometheus.CounterValue, s.AcquireDuration().Seconds())
}

var (
	inboxDepthDesc = prometheus.NewDesc("copbot_inbox_events",
		"Recorded events not yet applied.", nil, nil)
	inboxAgeDesc = prometheus.NewDesc("copbot_inbox_oldest_seconds",
		"How long the oldest event not yet applied has waited.", nil, nil)
)

// inboxCollector measures the inbox at each scrape. While the database is
// unreachable it reports nothing, and /readyz says why.
type inboxCollector struct {
	store *knowledge.Store
	log   *slog.Logger
}

func (c *inboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- inboxDepthDesc
	ch <- inboxAgeDesc
}

func (c *inboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, age, err := c.store.InboxBacklog(ctx)
	if err != nil {
		c.log.Warn("inbox not measured", slog.Any("error", err))
		return
	}
	ch <- prometheus.MustNewConstMetric(inboxDepthDesc, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(inboxAgeDesc, prometheus.GaugeValue, age.Seconds())
}

var droppedDesc = prometheus.NewDesc("copbot_events_dropped_total",
	"Events acknowledged and then dropped on purpose, by reason (other_emoji, bot, excluded_channel, private_channel).",
	[]string{"reason"}, nil)

// droppedCollector reports the events the core dropped by a rule, so that
// they can be told from events lost.
type droppedCollector struct{ core *commands.Core }

func (c *droppedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- droppedDesc }

func (c *droppedCollector) Collect(ch chan<- prometheus.Metric) {
	for reason, n := range c.core.Dropped() {
		ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(n), reason)
	}
}

// countJobs counts the outcomes of the jobs this process works, and how
// long they ran, until ctx ends.
func countJobs(ctx context.Context, client *river.Client[pgx.Tx], reg prometheus.Registerer) {
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_jobs_total", Help: "Jobs worked, by kind and outcome.",
	}, []string{"kind", "outcome"})
	runs := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "copbot_job_run_seconds", Help: "How long jobs ran, by kind.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
	}, []string{"kind"})
	reg.MustRegister(outcomes, runs)
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				outcome := map[river.EventKind]string{
					river.EventKindJobCompleted: "completed", river.EventKindJobFailed: "retried",
					river.EventKindJobCancelled: "cancelled", river.EventKindJobSnoozed: "snoozed",
				}[ev.Kind]
				if ev.Job.State == rivertype.JobStateDiscarded {
					outcome = "discarded"
				}
				outcomes.WithLabelValues(ev.Job.Kind, outcome).Inc()
				if ev.JobStats != nil {
					runs.WithLabelValues(ev.Job.Kind).Observe(ev.JobStats.RunDuration.Seconds())
				}
			}
		}
	}()
}
