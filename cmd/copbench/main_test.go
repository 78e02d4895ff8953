package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRun_SmallLoad runs the whole tool at a small scale against the real
// copbot: every phase must finish (every reaction acknowledged and captured,
// every search answered) and the report must carry a figure for each.
func TestRun_SmallLoad(t *testing.T) {
	bin := buildCopbot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, log bytes.Buffer
	err := run(ctx, []string{"-copbot", bin, "-events", "300", "-senders", "8", "-rate", "100", "-paced", "1s",
		"-baseline", "1s", "-tips", "3000", "-searches", "6"}, &out, &log)
	if err != nil {
		t.Fatalf("copbench: %v\nlog:\n%s", err, log.String())
	}
	for _, want := range []string{
		`minimal signed handler .* [0-9]+ events/s`, `raw single-row durable inserts.* [0-9]+ inserts/s`,
		`acknowledged +[0-9]+ events/s = [0-9.]+ ×`, `captured +[0-9]+ tips/s end to end`,
		`paced at 100 events/s[^\n]*\n  ack latency +p50 [0-9.]+ ms  p99 [0-9.]+ ms`,
		`MostCommonWord +p50 [0-9.]+ ms`, `RareWord +p50 [0-9.]+ ms`, `peak resident memory +[0-9.]+ MiB`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("report lacks %s:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), " 0 events/s") || strings.Contains(out.String(), "memory   0.0 MiB") {
		t.Errorf("a figure is zero:\n%s", out.String())
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}

// TestRun_Communities runs the tool with named communities: both runs
// finish, every tip is found in its channel's community, and the report
// gives the acknowledgement ratio with and without them.
func TestRun_Communities(t *testing.T) {
	bin := buildCopbot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, log bytes.Buffer
	err := run(ctx, []string{"-copbot", bin, "-events", "300", "-senders", "8", "-rate", "100", "-paced", "1500ms",
		"-baseline", "1s", "-tips", "0", "-communities", "12"}, &out, &log)
	if err != nil {
		t.Fatalf("copbench: %v\nlog:\n%s", err, log.String())
	}
	for _, want := range []string{
		`12 named communities in the workspace`, `minimal signed handler again, just before +[0-9]+ events/s`,
		`acknowledged +[0-9]+ events/s = [0-9.]+ × the minimal handler .*without communities [0-9.]+\)`,
		`[1-9][0-9]* changes of home channels meanwhile\n  ack latency +p50 [0-9.]+ ms`,
		`routing +450 tips of both runs, from 48 channels, each in its channel's community \(13 communities\)`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("report lacks %s:\n%s", want, out.String())
		}
	}
}

// TestCheckRouting_MismatchFails: a tip saved in another community than its
// channel's is a failure, not a figure.
func TestCheckRouting_MismatchFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg := config{copbot: buildCopbot(t), senders: 4}
	e, err := setUp(ctx, cfg, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	defer e.tearDown()
	w, err := e.makeCommunities(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.waitRouted(ctx, w, 2); err != nil {
		t.Fatal(err)
	}
	const n = 40
	if _, err := e.capture(ctx, cfg, runCommunities, n, w.channel); err != nil {
		t.Fatal(err)
	}
	if r, err := e.checkRouting(ctx, w, runCommunities, n); err != nil || r.tips != n || r.communities != 4 {
		t.Fatalf("checkRouting = %+v, %v; want %d tips in 4 communities", r, err, n)
	}
	// One tip of community 0's first home moves to community 1's.
	tag, err := e.pool.Exec(ctx, `UPDATE tips SET channel_id = $2 WHERE id = (SELECT min(id) FROM tips WHERE channel_id = $1)`,
		homeChannel(0, 0), homeChannel(1, 0))
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("move a tip: %v, %v", tag, err)
	}
	_, err = e.checkRouting(ctx, w, runCommunities, n)
	if err == nil || !strings.Contains(err.Error(), "#"+homeChannel(1, 0)) {
		t.Fatalf("a tip in the wrong community passed: %v", err)
	}
}

// buildCopbot builds the copbot that copbench runs.
func buildCopbot(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "copbot")
	if out, err := exec.Command("go", "build", "-o", bin, "../copbot").CombinedOutput(); err != nil {
		t.Fatalf("build copbot: %v\n%s", err, out)
	}
	return bin
}
