package slack

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/internal/bodygate"
	"github.com/copbot/copbot/internal/metricstest"
	"github.com/copbot/copbot/internal/reqtest"
)

// TestHTTP_BusyGate: behind a gate whose one slot a stalled body holds, an
// event larger than the gate's allowance is answered 503 at once (Slack
// delivers it again) and counted as busy, while a small one is
// acknowledged; once the slot is free the large one is acknowledged too.
func TestHTTP_BusyGate(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, &harnessOpts{options: Options{Registerer: reg}})
	mux := http.NewServeMux()
	h.adapter.Routes(mux, h.core)
	gate := bodygate.New(1, 8<<10)
	srv := httptest.NewServer(gate.Handler(mux))
	defer srv.Close()

	// A client that sends 9 KiB of a body it says is 1 MiB, then stalls.
	release := reqtest.Stall(t, gate, srv.URL+"/slack/events", func(req *http.Request) { sign(req, testSecret, time.Now(), nil) })

	event := func(id string, pad int) (int, string) {
		body := reactionPayload(id, "reaction_added", "U1", "bulb", "C1", "1700000000.000100", "U2")
		body = append(body[:len(body)-1], `,"pad":"`+strings.Repeat("x", pad)+`"}`...)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sign(req, testSecret, time.Now(), body)
		return do(t, req)
	}
	start := time.Now()
	if status, answer := event("EvBig1", 16<<10); status != http.StatusServiceUnavailable {
		t.Errorf("a 16 KiB event while the slot is held = %d %q; want 503", status, answer)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the 503 took %v; want it at once", took)
	}
	if got := metricstest.Value(t, reg, "copbot_events_rejected_total", map[string]string{"platform": "slack", "reason": rejectBusy}); got != 1 {
		t.Errorf("copbot_events_rejected_total{reason=busy} = %v; want 1", got)
	}
	if status, answer := event("EvSmall", 0); status != http.StatusOK {
		t.Errorf("a small event while the slot is held = %d %q; want 200", status, answer)
	}

	release()
	if status, answer := event("EvBig2", 16<<10); status != http.StatusOK {
		t.Errorf("a 16 KiB event with the slot free = %d %q; want 200", status, answer)
	}
}
