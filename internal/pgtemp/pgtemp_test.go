package pgtemp

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestFindBinDir(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "13", "15"} {
		dir := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if v != "9.6" {
			for _, name := range []string{"initdb", "postgres"} {
				if err := os.WriteFile(filepath.Join(dir, name), nil, 0o755); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	notOnPath := func(string) (string, error) { return "", exec.ErrNotFound }

	got, err := findBinDir(notOnPath, root)
	if want := filepath.Join(root, "15", "bin"); err != nil || got != want {
		t.Errorf("findBinDir = %q, %v; want the newest version %q", got, err, want)
	}
	_, err = findBinDir(notOnPath, t.TempDir())
	if !errors.Is(err, ErrNoBinaries) || !strings.Contains(err.Error(), "apt-get install postgresql") ||
		!strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("without binaries: err = %v; want ErrNoBinaries saying how to install or what to set", err)
	}
	onPath := func(string) (string, error) { return filepath.Join(root, "13", "bin", "initdb"), nil }
	if got, _ := findBinDir(onPath, root); got != filepath.Join(root, "13", "bin") {
		t.Errorf("PATH should win over the Debian layout, got %q", got)
	}
}

func TestStart_ServesAndCleansUp(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, &Options{Database: "probe"})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		c.Stop()
		t.Fatalf("connect: %v", err)
	}
	var db string
	err = conn.QueryRow(ctx, "SELECT current_database()").Scan(&db)
	conn.Close(ctx)
	if err != nil || db != "probe" {
		t.Errorf("current_database = %q, %v", db, err)
	}
	dir := c.Dir()
	c.Stop()
	c.Stop() // a second Stop is harmless
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still exists after Stop (%v)", dir, err)
	}
}

func TestStart_FromCache(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	for i := range 2 { // the first start fills the cache, the second copies it
		c, err := Start(ctx, &Options{CacheDir: cache})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		conn, err := pgx.Connect(ctx, c.URL())
		if err == nil {
			_, err = conn.Exec(ctx, "CREATE TABLE t (id int)") // the copy is writable
			conn.Close(ctx)
		}
		c.Stop()
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	entries, _ := filepath.Glob(filepath.Join(cache, "pgdata-*", "PG_VERSION"))
	if len(entries) != 1 {
		t.Fatalf("cache holds %d entries, want 1", len(entries))
	}
}

func TestCluster_ShutdownAndRestartKeepData(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, &Options{CacheDir: DefaultCacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	run := func(sql string) error {
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := run("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	c.Shutdown()
	if err := run("SELECT 1"); err == nil {
		t.Fatal("the server still answers after Shutdown")
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if err := run("DELETE FROM kept WHERE n = 7"); err != nil {
		t.Fatalf("after Restart: %v", err)
	}
}

func TestCluster_DurableCrashAndFreeze(t *testing.T) {
	ctx := context.Background()
	c, err := Start(ctx, &Options{Durable: true, CacheDir: DefaultCacheDir()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer c.Stop()
	exec := func(sql string) string {
		t.Helper()
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		var out string
		if err := conn.QueryRow(ctx, sql).Scan(&out); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return out
	}
	for _, setting := range []string{"fsync", "synchronous_commit", "full_page_writes"} {
		if got := exec("SHOW " + setting); got != "on" {
			t.Errorf("%s = %s in a durable cluster, want on", setting, got)
		}
	}
	exec("WITH t AS (SELECT 1) SELECT 'ready'") // the server answers
	conn, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept AS SELECT 'committed'::text AS v"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := c.Crash(); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatalf("Restart after a crash: %v", err)
	}
	if got := exec("SELECT v FROM kept"); got != "committed" {
		t.Fatalf("after crash recovery: %q, want the committed row", got)
	}

	// A frozen server answers nothing: not a new connection, nor one opened
	// before (each backend is a process of its own).
	open, err := pgx.Connect(ctx, c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close(ctx)
	if err := c.Freeze(); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	_, err = pgx.Connect(short, c.URL())
	cancel()
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timeout") {
		t.Errorf("connect to a frozen server = %v; want it to hang until the deadline", err)
	}
	short, cancel = context.WithTimeout(ctx, 500*time.Millisecond)
	_, err = open.Exec(short, "SELECT 1")
	cancel()
	if err == nil {
		t.Error("a connection opened before the freeze still answers")
	}
	if err := c.Thaw(); err != nil {
		t.Fatal(err)
	}
	if got := exec("SELECT v FROM kept"); got != "committed" {
		t.Fatalf("after thaw: %q", got)
	}
}
