// Package migrations holds copbot's schema as numbered SQL files, embedded in
// the binary, and applies them with tern under an advisory lock so that any
// number of copbot processes may start against one database at once.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// VersionTable records which migrations a database has applied.
const VersionTable = "copbot_schema_version"

// lockKey is copbot's advisory lock for migrating: tern locks its own
// steps, and this one keeps copbot's and river's schemas moving together.
// The store's keys extend it by a byte (knowledge/store_locks.go).
const lockKey = int64(0x636f70626f74) // "copbot"

// Up applies every migration the database lacks: copbot's own, with tern,
// and river's job tables. A session-level advisory lock is held throughout,
// so concurrent callers wait for each other and each migration runs once.
func Up(ctx context.Context, conn *pgx.Conn) (err error) {
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		if _, unlockErr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey); err == nil && unlockErr != nil {
			err = fmt.Errorf("release migration lock: %w", unlockErr)
		}
	}()
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return err
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	rm, err := rivermigrate.New(riverpgxv5.New(nil), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("create river migrator: %w", err)
	}
	// One transaction per river version: some add an enum value that the
	// next statement uses, which PostgreSQL forbids within one transaction.
	for _, v := range rm.AllVersions() {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := rm.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: v.Version})
			return err
		})
		if err != nil {
			return fmt.Errorf("apply river migration %d: %w", v.Version, err)
		}
	}
	return nil
}

// Querier is the part of a connection or pool that Pending needs.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Pending reports how many migrations the database has not applied yet. It
// only reads, takes no lock, and so can serve a readiness probe while another
// process migrates.
func Pending(ctx context.Context, db Querier) (int, error) {
	names, err := migrate.FindMigrations(files)
	if err != nil {
		return 0, fmt.Errorf("find migrations: %w", err)
	}
	var exists bool
	if err := db.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", VersionTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("look for schema version table: %w", err)
	}
	if !exists {
		return len(names), nil
	}
	var v int32
	if err := db.QueryRow(ctx, "SELECT version FROM "+VersionTable).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return len(names) - int(v), nil
}

func newMigrator(ctx context.Context, conn *pgx.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, VersionTable)
	if err != nil {
		return nil, fmt.Errorf("create migrator: %w", err)
	}
	if err := m.LoadMigrations(files); err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return m, nil
}
