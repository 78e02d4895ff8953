package bottest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/wait"
)

// Routed is an adapter that serves HTTP routes (Slack's events and
// commands, Discord's interactions endpoint).
type Routed interface {
	bot.Adapter
	Routes(mux *http.ServeMux, h bot.Handler)
}

// Serve runs an adapter for a harness's Start as copbot serve does: its
// routes on a test server, and Run until the test ends, which must return
// then. It returns the server's address; when the test failed, it logs
// what logs holds (the adapter's log).
func Serve(t *testing.T, a Routed, h bot.Handler, logs interface{ String() string }) string {
	t.Helper()
	mux := http.NewServeMux()
	a.Routes(mux, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(wait.Timeout):
			t.Errorf("Run did not return %s after its context ended", wait.Timeout)
		}
		if t.Failed() {
			t.Logf("copbot's log:\n%s", logs.String())
		}
	})
	return srv.URL
}
