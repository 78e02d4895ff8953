package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/dbtest"
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

// startServe starts `copbot serve` with env and waits until /healthz answers.
func startServe(t *testing.T, env ...string) (addr string, stop func() (stderr string, err error)) {
	t.Helper()
	addr = freeAddr(t)
	cmd := exec.Command(binary, "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "COPBOT_HTTP_ADDR=" + addr}, env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
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
		resp, err := http.Get("http://" + addr + "/healthz")
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
	if stderr, err := stop(); err != nil {
		t.Errorf("copbot serve after SIGTERM: %v, want exit status 0\nstderr: %s", err, stderr)
	}
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
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			mac := hmac.New(sha256.New, []byte(secret))
			fmt.Fprintf(mac, "v0:%s:%s", ts, body)
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
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
