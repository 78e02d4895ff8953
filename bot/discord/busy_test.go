package discord

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/internal/bodygate"
	"github.com/copbot/copbot/internal/metricstest"
	"github.com/copbot/copbot/internal/reqtest"
)

// TestRoutes_HTTPInteractionBusy: behind a gate whose one slot a stalled
// body holds, an interaction larger than the gate's allowance is answered
// 503 at once and counted as busy, while a small one is served; once the
// slot is free the large one is served too.
func TestRoutes_HTTPInteractionBusy(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, harnessOptions{options: func(o *Options) { o.Registerer = reg }})
	gate := bodygate.New(1, 8<<10)
	srv := h.serve(gate.Handler)

	// A client that sends 9 KiB of a body it says is 1 MiB, then stalls.
	release := reqtest.Stall(t, gate, srv.URL+"/discord/interactions", nil)

	help := func(pad int) []byte {
		_, _, p := interaction(2, adaID, "1024", slash(`[{"name": "help", "type": 1}]`))
		return []byte(p[:len(p)-1] + `, "pad": "` + strings.Repeat("x", pad) + `"}`)
	}
	start := time.Now()
	if status, answer := postSigned(t, srv.URL, h.key, "application/json", help(16<<10)); status != http.StatusServiceUnavailable {
		t.Errorf("a 16 KiB interaction while the slot is held = %d %.200q; want 503", status, answer)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the 503 took %v; want it at once", took)
	}
	if got := metricstest.Value(t, reg, "copbot_events_rejected_total", map[string]string{"platform": "discord", "reason": "busy"}); got != 1 {
		t.Errorf("copbot_events_rejected_total{reason=busy} = %v; want 1", got)
	}
	if status, answer := postSigned(t, srv.URL, h.key, "application/json", help(0)); status != http.StatusOK {
		t.Errorf("a small interaction while the slot is held = %d %.200q; want 200", status, answer)
	}

	release()
	if status, answer := postSigned(t, srv.URL, h.key, "application/json", help(16<<10)); status != http.StatusOK {
		t.Errorf("a 16 KiB interaction with the slot free = %d %.200q; want 200", status, answer)
	}
}
