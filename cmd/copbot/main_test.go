package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/migrations"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// binary is the real copbot, built once for the black-box tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "copbot-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "copbot")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build copbot: %v\n%s", err, out)
		os.Exit(1)
	}
	code := dbtest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// copbot runs the binary with only the given environment (plus PATH and
// HOME, so it can find PostgreSQL's binaries) and returns its output.
func copbot(t *testing.T, stdin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return copbotIn(t, t.TempDir(), stdin, env, args...)
}

// copbotIn is copbot with TMPDIR set to tmp.
func copbotIn(t *testing.T, tmp, stdin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + tmp}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run copbot %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestDev_Scripts runs every testdata/*.script through `copbot dev` on a
// throwaway database and compares the transcript with its .golden file. Each
// feature keeps its own script, so a transcript reads as one story. Paths
// under the run's temporary directory (attachments) are shown as $TMPDIR.
func TestDev_Scripts(t *testing.T) {
	scripts, err := filepath.Glob("testdata/*.script")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in testdata (%v)", err)
	}
	for _, path := range scripts {
		name := strings.TrimSuffix(filepath.Base(path), ".script")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			script, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			out, errOut, code := copbotIn(t, tmp, string(script), nil, "dev")
			if code != 0 {
				t.Fatalf("copbot dev exited %d\nstderr: %s", code, errOut)
			}
			if errOut != "" {
				t.Errorf("copbot dev wrote to stderr:\n%s", errOut)
			}
			golden(t, name+".golden", strings.ReplaceAll(out, tmp, "$TMPDIR"))
		})
	}
}

func TestDev_ScriptOnDatabaseURL(t *testing.T) {
	url := dbtest.URL(t)
	env := []string{"DATABASE_URL=" + url}
	// Two runs against one database: the second sees what the first changed.
	if _, errOut, code := copbot(t, "/cop config save-emoji star\n", env, "dev"); code != 0 {
		t.Fatalf("first run exited %d: %s", code, errOut)
	}
	out, errOut, code := copbot(t, "/cop config save-emoji\n", env, "dev")
	if code != 0 {
		t.Fatalf("second run exited %d: %s", code, errOut)
	}
	if !strings.Contains(out, "`save-emoji` = star") {
		t.Errorf("setting did not persist in DATABASE_URL:\n%s", out)
	}
}

func TestMigrate_ConcurrentProcesses(t *testing.T) {
	url := dbtest.EmptyURL(t)
	const procs = 3
	var wg sync.WaitGroup
	results := make([]string, procs)
	codes := make([]int, procs)
	for i := range procs {
		wg.Go(func() {
			out, errOut, code := copbot(t, "", []string{"DATABASE_URL=" + url}, "migrate")
			results[i], codes[i] = out+errOut, code
		})
	}
	wg.Wait()
	for i := range procs {
		if codes[i] != 0 {
			t.Errorf("process %d exited %d: %s", i, codes[i], results[i])
		}
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if n, err := migrations.Pending(context.Background(), conn); err != nil || n != 0 {
		t.Fatalf("pending after concurrent migrate = %d, %v", n, err)
	}
}

func TestCopbot_ClearFailures(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode int
		want     []string
	}{
		{"BadConfiguration", []string{"SLACK_BOT_TOKEN=xoxb-1", "DISCORD_APP_ID=1", "COPBOT_HTTP_ADDR=nope"}, []string{"serve"}, 2,
			[]string{"DATABASE_URL is not set", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN", "COPBOT_HTTP_ADDR"}},
		{"MissingDatabase", []string{"DATABASE_URL=postgres://copbot@/copbot?host=/nonexistent&connect_timeout=2"}, []string{"migrate"}, 1,
			[]string{"connect to the database", "host=/nonexistent"}},
		{"UnknownCommand", nil, []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`, "copbot dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := copbot(t, "", tt.env, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not say %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic:") {
				t.Errorf("stderr has a stack trace:\n%s", errOut)
			}
		})
	}
}
