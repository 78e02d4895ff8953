package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
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
