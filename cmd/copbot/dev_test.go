package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
)

// startDev starts `copbot dev` on a throwaway database in tmp and returns
// its stdin and a reader of its stdout.
func startDev(tb testing.TB, tmp string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	tb.Helper()
	cmd := exec.Command(binary, "dev")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + tmp}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	return cmd, stdin, bufio.NewReader(stdout)
}

// traversableTempDir is a temp dir the postgres user can enter when the
// tests run as root, so the cluster is created inside it.
func traversableTempDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} { // the test's own root is private too
		if err := os.Chmod(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func TestDev_InterruptRemovesTheDatabase(t *testing.T) {
	tmp := traversableTempDir(t)
	cmd, stdin, out := startDev(t, tmp)
	defer stdin.Close()
	if _, err := io.WriteString(stdin, "/cop help\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := out.ReadString('\n'); err != nil { // the echoed line: copbot is up
		t.Fatal(err)
	}
	clusters, _ := filepath.Glob(filepath.Join(tmp, "copbot-pg-*"))
	if len(clusters) != 1 {
		t.Fatalf("want one cluster directory in %s while running, found %v", tmp, clusters)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("copbot dev after Ctrl-C: %v, want exit status 0", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("copbot dev did not stop within 20s of Ctrl-C")
	}
	if _, err := os.Stat(clusters[0]); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s left behind after Ctrl-C", clusters[0])
	}
}

// TestDev_SecondWorkspaceIsExportedByItsName: a console workspace made with
// /workspace is named on the command line as console:<name>, and export
// keeps each workspace's tips apart.
func TestDev_SecondWorkspaceIsExportedByItsName(t *testing.T) {
	env := []string{"DATABASE_URL=" + dbtest.URL(t)}
	script := "Use the vault for secrets\n/react m1 bulb\n/workspace north\nReview the threat model\n/react m2 bulb\n"
	if out, errOut, code := copbot(t, script, env, "dev"); code != 0 || !strings.Contains(out, "copbot@north (only you): Saved as tip 1") {
		t.Fatalf("copbot dev exited %d, did not save the tip in north:\n%s\nstderr: %s", code, out, errOut)
	}
	for community, want := range map[string]string{
		"console:north": "Review the threat model",
		"console":       "Use the vault for secrets",
	} {
		out, errOut, code := copbot(t, "", env, "export", "--community", community, "--format", "json")
		if code != 0 {
			t.Fatalf("export %s exited %d: %s", community, code, errOut)
		}
		var doc exportDoc
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("export %s: %v\n%s", community, err, out)
		}
		if doc.Community != community || len(doc.Tips) != 1 || doc.Tips[0].Text != want {
			t.Errorf("export %s = %s; want that community with only the tip %q", community, out, want)
		}
	}
}

// BenchmarkDevFirstReply measures `copbot dev` from process start to its
// first answer, a throwaway database included (target: under 2 s).
func BenchmarkDevFirstReply(b *testing.B) {
	tmp := traversableTempDir(b)
	for b.Loop() {
		cmd, stdin, out := startDev(b, tmp)
		io.WriteString(stdin, "/cop help\n")
		for {
			line, err := out.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(line, "copbot") {
				break
			}
		}
		b.StopTimer()
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
