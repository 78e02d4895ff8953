package main

import (
	"bytes"
	"fmt"
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
	"github.com/copbot/copbot/internal/reqtest"
	"github.com/copbot/copbot/internal/wait"
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
	var err error
	if !wait.Within(wait.Timeout, func() bool {
		var resp *http.Response
		if resp, err = http.Get(health); err == nil {
			resp.Body.Close()
		}
		return err == nil
	}) {
		out, _ := stop()
		t.Fatalf("copbot serve did not answer /healthz within %s: %v\nstderr: %s", wait.Timeout, err, out)
	}
	return addr, stop
}

func TestServe_HealthReadinessAndGracefulStop(t *testing.T) {
	addr, stop := startServe(t, "DATABASE_URL="+dbtest.URL(t))
	for _, path := range []string{"/healthz", "/readyz"} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		if status, body := reqtest.Do(t, req); status != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", path, status, body)
		}
	}
	// The metrics name the pool, the inbox and, once the leader has run the
	// periodic prune at start, the jobs' outcomes.
	want := []string{
		`copbot_db_pool_connections{state="max"}`, "copbot_inbox_events 0", "copbot_inbox_oldest_seconds 0",
		`copbot_jobs_total{kind="prune_inbox",outcome="completed"} 1`, "go_goroutines", "process_resident_memory_bytes",
	}
	var body, missing string
	if !wait.Within(wait.Timeout, func() bool {
		body, missing = get(t, "http://"+addr+"/metrics"), ""
		for _, w := range want {
			if !strings.Contains(body, w) {
				missing = w
			}
		}
		return missing == ""
	}) {
		t.Fatalf("/metrics lacks %q after %s:\n%s", missing, wait.Timeout, body)
	}
	if stderr, err := stop(); err != nil {
		t.Errorf("copbot serve after SIGTERM: %v, want exit status 0\nstderr: %s", err, stderr)
	}
}

// get fetches url and returns the body of its 200 answer.
func get(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, body := reqtest.Do(t, req)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", url, status, body)
	}
	return body
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
		return reqtest.Do(t, req)
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
