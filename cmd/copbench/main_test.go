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
	bin := filepath.Join(t.TempDir(), "copbot")
	if out, err := exec.Command("go", "build", "-o", bin, "../copbot").CombinedOutput(); err != nil {
		t.Fatalf("build copbot: %v\n%s", err, out)
	}
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
