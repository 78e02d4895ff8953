// Package migrations holds copbot's schema as numbered SQL files, embedded in
// the binary, and applies them with tern under an advisory lock so that any
// number of copbot processes may start against one database at once.
package migrations

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed *.sql
var files embed.FS

// VersionTable records which migrations a database has applied.
const VersionTable = "copbot_schema_version"

// Up applies every migration the database lacks. tern holds a session-level
// advisory lock while it reads and raises the version, so concurrent callers
// wait for each other and each migration runs once.
func Up(ctx context.Context, conn *pgx.Conn) error {
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return err
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Pending reports how many migrations the database has not applied yet.
func Pending(ctx context.Context, conn *pgx.Conn) (int, error) {
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return 0, err
	}
	v, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return len(m.Migrations) - int(v), nil
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
