package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/internal/pgtemp"
	"github.com/copbot/copbot/migrations"
)

// defaultPoolSize is the most connections copbot opens when DATABASE_URL
// does not say (pool_max_conns). pgx's own default, four on a small
// machine, leaves acknowledgements queueing behind the inbox passes and the
// job workers; with more, concurrent commits also share WAL flushes.
const defaultPoolSize = 40

// openDatabase connects to url and applies any pending migrations.
func openDatabase(ctx context.Context, url string, options ...func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultPoolSize
	}
	for _, o := range options {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to the database (%s): %w", describe(pool.Config()), err)
	}
	defer conn.Release()
	return migrations.Up(ctx, conn.Conn())
}

// describe names a database without its password, for messages.
func describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("host=%s port=%d user=%s database=%s", c.Host, c.Port, c.User, c.Database)
}

// devDatabase returns DATABASE_URL when set, or starts a throwaway cluster
// and returns its URL and a function that removes it.
func devDatabase(ctx context.Context, cfg Config, log *slog.Logger) (string, func(), error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, func() {}, nil
	}
	start := time.Now()
	c, err := pgtemp.Start(ctx, &pgtemp.Options{CacheDir: pgtemp.DefaultCacheDir()})
	if err != nil {
		return "", nil, fmt.Errorf("start a throwaway PostgreSQL: %w", err)
	}
	log.Debug("throwaway database started", slog.String("dir", c.Dir()), slog.Duration("took", time.Since(start)))
	return c.URL(), c.Stop, nil
}
