// Package reqtest sends the HTTP requests that tests of copbot's endpoints
// (Slack's, Discord's, copbot serve's) send: a request whose whole answer
// the test reads, and a stalled upload that holds a body slot.
package reqtest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/copbot/copbot/internal/bodygate"
	"github.com/copbot/copbot/internal/wait"
)

// Do sends req and returns the answer's status and body, failing tb when
// the request cannot be sent.
func Do(tb testing.TB, req *http.Request) (int, string) {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Stall posts to url, behind gate, a body said to be 1 MiB, sends 9 KiB of
// it and stalls, as a slow or hostile client does, and waits until the
// gate counts the request among its slots in use. sign, when not nil,
// prepares the request first (a signature over an empty body). The
// returned release makes the client give up and waits until the gate has
// its slot back.
func Stall(tb testing.TB, gate *bodygate.Gate, url string, sign func(*http.Request)) (release func()) {
	tb.Helper()
	stall, feed := io.Pipe()
	go feed.Write([]byte(strings.Repeat("x", 9<<10)))
	req, err := http.NewRequest(http.MethodPost, url, stall)
	if err != nil {
		tb.Fatal(err)
	}
	req.ContentLength = 1 << 20
	if sign != nil {
		sign(req)
	}
	stalled := make(chan struct{})
	go func() {
		defer close(stalled)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	wait.Until(tb, "the stalled body to take a slot", func() bool { return gate.InUse() > 0 })
	return func() {
		tb.Helper()
		feed.CloseWithError(io.ErrUnexpectedEOF) // the stalled client gives up
		<-stalled
		wait.Until(tb, "the slot to be given back", func() bool { return gate.InUse() == 0 })
	}
}
