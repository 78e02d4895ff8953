package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/migrations"
)

// runServe runs the HTTP server (health and readiness now; the platform
// routes as their adapters land) until ctx ends, then shuts down within
// COPBOT_SHUTDOWN_TIMEOUT.
func runServe(ctx context.Context, stderr io.Writer) error {
	cfg, err := loadConfig(true)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Level(slog.LevelInfo))
	if cfg.SlackHTTP() || cfg.SlackSocket() || cfg.DiscordGateway() || cfg.DiscordHTTP() {
		return errors.New("this build of copbot has no Slack or Discord adapter yet; unset the SLACK_* and DISCORD_* variables or use a newer build")
	}
	log.Warn("no chat platform is configured; serving health endpoints only")

	pool, err := openDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /readyz", readiness(pool))

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("copbot serving", slog.String("addr", ln.Addr().String()), slog.String("version", buildVersion()))

	select {
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("timeout", cfg.Shutdown()))
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.Shutdown())
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}

// readiness answers 200 only while the database answers and its schema is
// current, so a load balancer stops sending work to a copbot that cannot
// record it.
func readiness(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		pending, err := migrations.Pending(ctx, pool)
		switch {
		case err != nil:
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		case pending > 0:
			http.Error(w, fmt.Sprintf("%d migrations pending", pending), http.StatusServiceUnavailable)
		default:
			fmt.Fprintln(w, "ready")
		}
	})
}
