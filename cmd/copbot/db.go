package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/internal/pgtemp"
	"github.com/copbot/copbot/migrations"
)

// openDatabase connects to url and applies any pending migrations.
func openDatabase(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, url)
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
