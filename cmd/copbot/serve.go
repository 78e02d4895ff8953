package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/knowledge"
	"github.com/copbot/copbot/migrations"
)

// routedAdapter is an adapter that serves HTTP routes (Slack's Events API,
// Discord's interactions endpoint) on copbot's one HTTP server.
type routedAdapter interface {
	bot.Adapter
	Routes(mux *http.ServeMux, h bot.Handler)
}

// connectedAdapter is an adapter that holds a connection to its platform
// (Discord's gateway, Slack's Socket Mode); Ready says why it cannot take
// events now, or nil.
type connectedAdapter interface {
	bot.Adapter
	Ready() error
}

// runServe runs the configured platform adapters, the durable jobs and the
// HTTP server until ctx ends, then shuts down within COPBOT_SHUTDOWN_TIMEOUT.
func runServe(ctx context.Context, stderr io.Writer) error {
	cfg, err := loadConfig(true)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Level(slog.LevelInfo), cfg.Secrets()...)

	metrics := newMetrics()
	var adapters []bot.Adapter
	for _, build := range []func(Config, *slog.Logger, prometheus.Registerer) ([]bot.Adapter, error){slackAdapters, discordAdapters} {
		a, err := build(cfg, log, metrics)
		if err != nil {
			return err
		}
		adapters = append(adapters, a...)
	}
	if len(adapters) == 0 {
		log.Warn("no chat platform is configured; serving health endpoints only")
	}

	pool, err := openDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	store, err := knowledge.NewStore(pool, log)
	if err != nil {
		return err
	}
	core := commands.NewCore(store, log, adapters...)
	measureStore(metrics, pool, store, log)
	metrics.MustRegister(&droppedCollector{core: core})

	// The public listener takes Slack's and Discord's requests. Health,
	// readiness and metrics are served there too unless COPBOT_ADMIN_ADDR
	// gives them (and, with COPBOT_PPROF, profiles) a listener of their own.
	public := http.NewServeMux()
	ops := public
	if cfg.AdminAddr != "" {
		ops = http.NewServeMux()
	}
	ops.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	ops.Handle("GET /readyz", readiness(pool, adapters))
	ops.Handle("GET /metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}))
	if cfg.Profiling() {
		mountProfiles(ops)
	}
	for _, a := range adapters {
		if r, ok := a.(routedAdapter); ok {
			r.Routes(public, core)
		}
	}

	background, err := core.StartBackground(ctx, &commands.BackgroundOptions{RescueAfter: cfg.JobRescue(), Platforms: cfg.JobPlatforms()})
	if err != nil {
		return err
	}
	countJobs(ctx, background.Jobs(), metrics)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	srv := newServer(publicHandler(public), log)
	failed := make(chan error, 2+len(adapters))
	go func() { failed <- fmt.Errorf("http server: %w", srv.Serve(ln)) }()
	adminAddr := ""
	var admin *http.Server
	if cfg.AdminAddr != "" {
		aln, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listen on %s (COPBOT_ADMIN_ADDR): %w", cfg.AdminAddr, err)
		}
		admin, adminAddr = newAdminServer(ops, log), aln.Addr().String()
		go func() { failed <- fmt.Errorf("admin http server: %w", admin.Serve(aln)) }()
	}
	runCtx, stopAdapters := context.WithCancel(ctx)
	var running sync.WaitGroup
	for _, a := range adapters {
		running.Go(func() {
			if err := a.Run(runCtx, core); err != nil && runCtx.Err() == nil {
				failed <- fmt.Errorf("%s adapter: %w", a.Name(), err)
			}
		})
	}
	log.Info("copbot serving", slog.String("addr", ln.Addr().String()), slog.String("admin_addr", adminAddr),
		slog.Bool("pprof", cfg.Profiling()), slog.String("version", buildVersion()), slog.Int("adapters", len(adapters)))

	var runErr error
	select {
	case runErr = <-failed:
		log.Error("stopping", slog.Any("error", runErr))
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("timeout", cfg.Shutdown()))
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Shutdown())
	defer cancel()
	// In order: stop taking requests and let the acknowledgements in flight
	// finish; close the platform connections and let the adapters finish the
	// answers they deferred; let the jobs in flight finish. Everything
	// within one deadline: what is left then is dropped (an event not
	// acknowledged is delivered again) or returned to the queue (a job).
	// The admin listener goes last, so health and metrics answer while
	// work drains.
	err = srv.Shutdown(shutCtx)
	stopAdapters()
	adaptersDone := make(chan struct{})
	go func() {
		running.Wait()
		close(adaptersDone)
	}()
	select {
	case <-adaptersDone:
	case <-shutCtx.Done():
		log.Warn("adapters still answering at the shutdown deadline; leaving them")
	}
	err = errors.Join(err, background.Stop(shutCtx))
	if admin != nil {
		err = errors.Join(err, admin.Shutdown(shutCtx))
	}
	return errors.Join(runErr, err)
}

// readiness answers 200 only while the database answers, its schema is
// current and every connected adapter is connected, so a load balancer stops
// sending work to a copbot that cannot record it.
func readiness(pool *pgxpool.Pool, adapters []bot.Adapter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		pending, err := migrations.Pending(ctx, pool)
		switch {
		case err != nil:
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		case pending > 0:
			http.Error(w, fmt.Sprintf("%d migrations pending", pending), http.StatusServiceUnavailable)
			return
		}
		for _, a := range adapters {
			if c, ok := a.(connectedAdapter); ok {
				if err := c.Ready(); err != nil {
					http.Error(w, a.Name()+" not connected: "+err.Error(), http.StatusServiceUnavailable)
					return
				}
			}
		}
		fmt.Fprintln(w, "ready")
	})
}
