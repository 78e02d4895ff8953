package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/loadgen"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serving holds the copbot processes startServe started, by address, for
// tests that kill one.
var (
	serveMu sync.Mutex
	serving = map[string]*exec.Cmd{}
)

// startServe starts `copbot serve` with env and waits until /healthz answers
// (on COPBOT_ADMIN_ADDR when env sets it).
func startServe(t *testing.T, env ...string) (addr string, stop func() (stderr string, err error)) {
	t.Helper()
	addr = freeAddr(t)
	health := "http://" + addr + "/healthz"
	for _, e := range env {
		if admin, ok := strings.CutPrefix(e, "COPBOT_ADMIN_ADDR="); ok {
			health = "http://" + admin + "/healthz"
		}
	}
	cmd := exec.Command(binary, "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "COPBOT_HTTP_ADDR=" + addr}, env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serveMu.Lock()
	serving[addr] = cmd
	serveMu.Unlock()
	t.Cleanup(func() { // a test that failed half-way leaves nothing running
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	stop = func() (string, error) {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			return errb.String(), err
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			return errb.String(), fmt.Errorf("copbot serve did not stop within 30s of SIGTERM")
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(health)
		if err == nil {
			resp.Body.Close()
			return addr, stop
		}
		if time.Now().After(deadline) {
			out, _ := stop()
			t.Fatalf("copbot serve did not answer /healthz within 30s: %v\nstderr: %s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServe_HealthReadinessAndGracefulStop(t *testing.T) {
	addr, stop := startServe(t, "DATABASE_URL="+dbtest.URL(t))
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", path, resp.StatusCode, body)
		}
	}
	// The metrics name the pool, the inbox and, once the leader has run the
	// periodic prune at start, the jobs' outcomes.
	want := []string{
		`copbot_db_pool_connections{state="max"}`, "copbot_inbox_events 0", "copbot_inbox_oldest_seconds 0",
		`copbot_jobs_total{kind="prune_inbox",outcome="completed"} 1`, "go_goroutines", "process_resident_memory_bytes",
	}
	var body string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		body = get(t, "http://"+addr+"/metrics")
		missing := ""
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = w
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %q after 20s:\n%s", missing, body)
		}
	}
	if stderr, err := stop(); err != nil {
		t.Errorf("copbot serve after SIGTERM: %v, want exit status 0\nstderr: %s", err, stderr)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v", url, resp.StatusCode, err)
	}
	return string(body)
}

func TestServe_SlackHTTPMode(t *testing.T) {
	const secret = "serve-test-secret"
	addr, stop := startServe(t, "DATABASE_URL="+dbtest.URL(t), "SLACK_BOT_TOKEN=xoxb-serve-test",
		"SLACK_SIGNING_SECRET="+secret, "SLACK_API_URL=http://127.0.0.1:9/api/")
	body := []byte(`{"token":"x","challenge":"serve-challenge","type":"url_verification"}`)
	post := func(signed bool) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if signed {
			loadgen.SignSlack(req.Header, secret, time.Now(), body)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, got := post(true); status != http.StatusOK || got != "serve-challenge" {
		t.Errorf("signed url_verification = %d %q; want the challenge", status, got)
	}
	if status, _ := post(false); status != http.StatusUnauthorized {
		t.Errorf("unsigned request = %d; want 401", status)
	}
	if stderr, err := stop(); err != nil {
		t.Errorf("copbot serve after SIGTERM: %v\nstderr: %s", err, stderr)
	}
}
