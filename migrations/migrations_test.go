package migrations_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/migrations"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestUp_ConcurrentStartsMigrateOnce(t *testing.T) {
	ctx := context.Background()
	url := dbtest.EmptyURL(t)
	const starters = 4
	var wg sync.WaitGroup
	errs := make([]error, starters)
	for i := range starters {
		wg.Go(func() {
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close(ctx)
			errs[i] = migrations.Up(ctx, conn)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("starter %d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+migrations.VersionTable).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("version rows = %d, %v; want exactly 1", rows, err)
	}
	if n, err := migrations.Pending(ctx, conn); err != nil || n != 0 {
		t.Fatalf("Pending = %d, %v; want 0", n, err)
	}
}

func TestPending_EmptyDatabase(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbtest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	n, err := migrations.Pending(ctx, conn)
	if err != nil || n < 1 {
		t.Fatalf("Pending on an empty database = %d, %v; want every migration", n, err)
	}
}
