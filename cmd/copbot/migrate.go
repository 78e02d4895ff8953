package main

import (
	"context"
	"fmt"
	"io"
)

// runMigrate applies pending migrations to DATABASE_URL. Any number of
// copbot processes may do this at once; the migrations run once.
func runMigrate(ctx context.Context, stdout io.Writer) error {
	cfg, err := loadConfig(true)
	if err != nil {
		return err
	}
	pool, err := openDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	fmt.Fprintln(stdout, "copbot: database schema is up to date")
	return nil
}
