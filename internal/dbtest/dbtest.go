// Package dbtest gives tests a real, migrated PostgreSQL database of their own.
// A package's TestMain calls Main, which starts one throwaway cluster for the
// whole package (or uses TEST_DATABASE_URL, a server where the user may create
// databases) and migrates a template database; each test then gets a fresh
// database cloned from that template, dropped when the test ends. There are no
// skips: without a server the tests fail and say how to get one.
package dbtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/internal/pgtemp"
	"github.com/copbot/copbot/migrations"
)

var (
	// server holds the package's database server; set once by Main.
	server struct {
		adminURL string
		urlFor   func(db string) string
		template string
		cluster  *pgtemp.Cluster
	}
	createMu sync.Mutex
	seq      atomic.Int64
)

// Main starts the database server, runs the tests, stops the server and exits.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain with work of its own: it returns the exit code.
func Run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	err := setUp(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: %v\n", err)
		return 1
	}
	defer tearDown()
	return m.Run()
}

func setUp(ctx context.Context) error {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		if _, err := pgx.ParseConfig(u); err != nil {
			return fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		server.adminURL = u
		server.urlFor = func(db string) string { return replaceDatabase(u, db) }
	} else {
		c, err := pgtemp.Start(ctx, &pgtemp.Options{Database: "copbot_admin", CacheDir: pgtemp.DefaultCacheDir()})
		if err != nil {
			return fmt.Errorf("start a throwaway PostgreSQL for the tests: %w (or set TEST_DATABASE_URL)", err)
		}
		server.cluster = c
		server.adminURL = c.URL()
		server.urlFor = c.DatabaseURL
	}
	server.template = fmt.Sprintf("copbot_template_%d", os.Getpid())
	if err := exec(ctx, "CREATE DATABASE "+server.template); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, server.urlFor(server.template))
	if err != nil {
		return fmt.Errorf("connect to template: %w", err)
	}
	defer conn.Close(ctx)
	return migrations.Up(ctx, conn)
}

func tearDown() {
	if server.cluster != nil {
		server.cluster.Stop()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = exec(ctx, "DROP DATABASE IF EXISTS "+server.template+" WITH (FORCE)")
}

func exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, server.adminURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", server.adminURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// replaceDatabase swaps the database of a URL or keyword/value connection
// string (in the latter a later keyword wins).
func replaceDatabase(connString, db string) string {
	if u, err := url.Parse(connString); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + db
		return u.String()
	}
	return connString + " dbname=" + db
}

// URL creates a fresh migrated database for the test and returns its
// connection string; the database is dropped when the test ends.
func URL(tb testing.TB) string {
	tb.Helper()
	return newDatabase(tb, "copbot_test", "TEMPLATE "+server.template)
}

// EmptyURL is like URL but the database has no schema, for migration tests.
func EmptyURL(tb testing.TB) string {
	tb.Helper()
	return newDatabase(tb, "copbot_empty", "")
}

func newDatabase(tb testing.TB, prefix, options string) string {
	tb.Helper()
	if server.urlFor == nil {
		tb.Fatal("dbtest: no database server; call dbtest.Main(m) from the package's TestMain")
	}
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	createMu.Lock()
	err := exec(ctx, "CREATE DATABASE "+name+" "+options)
	createMu.Unlock()
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("dbtest: %v", err)
		}
	})
	return server.urlFor(name)
}

// Pool opens a pool on a fresh migrated database, closed when the test ends.
func Pool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), URL(tb))
	if err != nil {
		tb.Fatalf("dbtest: open pool: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// OwnCluster starts a migrated PostgreSQL of the test's own, for a test
// that stops, crashes or freezes it, and opens a pool on it; both end with
// the test.
func OwnCluster(tb testing.TB) (*pgtemp.Cluster, *pgxpool.Pool) {
	tb.Helper()
	ctx := context.Background()
	cluster, err := pgtemp.Start(ctx, &pgtemp.Options{CacheDir: pgtemp.DefaultCacheDir()})
	if err != nil {
		tb.Fatalf("dbtest: start a PostgreSQL of this test's own: %v", err)
	}
	tb.Cleanup(cluster.Stop)
	conn, err := pgx.Connect(ctx, cluster.URL())
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	err = migrations.Up(ctx, conn)
	conn.Close(ctx)
	if err != nil {
		tb.Fatalf("dbtest: migrate: %v", err)
	}
	pool, err := pgxpool.New(ctx, cluster.URL())
	if err != nil {
		tb.Fatalf("dbtest: open pool: %v", err)
	}
	tb.Cleanup(pool.Close)
	return cluster, pool
}
