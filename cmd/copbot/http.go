package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/copbot/copbot/internal/bodygate"
)

// The public server's limits. Slack and Discord send a request at once and
// give up on the answer after 3 s, so a client that takes longer to send
// one is either broken or holding a connection on purpose: it gets
// readTimeout for the whole request, body included. writeTimeout counts
// from the end of the headers and covers the body, the handler (at most
// 2.5 s before a slash command is acknowledged empty; a deferred command
// goes on working after its response, outside the request) and the answer.
// idleTimeout outlasts the 60 s idle timeout common to load balancers,
// which must close a kept-alive connection before copbot does.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
)

// Bodies the public server reads at once beyond bodyAllowance, which holds
// every Slack event and command and nearly every interaction: at most
// bodySlots more, each up to the adapters' 1 MiB limit; a request beyond
// that is answered 503 at once (internal/bodygate). A connection that
// claims a large body and stalls holds no slot.
const (
	bodySlots     = 16
	bodyAllowance = 8 << 10
)

// publicHandler puts the public routes' request bodies behind the gate.
func publicHandler(mux http.Handler) http.Handler {
	return bodygate.New(bodySlots, bodyAllowance).Handler(mux)
}

// newServer is an HTTP server with copbot's limits, logging its own
// errors (TLS handshakes, panics) at warn.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// adminWriteTimeout lets a CPU profile or an execution trace run for up to
// two minutes (pprof refuses one longer than the server's write timeout).
const adminWriteTimeout = 2 * time.Minute

// newAdminServer serves COPBOT_ADMIN_ADDR: health, readiness, metrics and,
// with COPBOT_PPROF, profiles. Nobody outside should reach it, but its
// limits are the public server's, profiles aside.
func newAdminServer(h http.Handler, log *slog.Logger) *http.Server {
	srv := newServer(h, log)
	srv.WriteTimeout = adminWriteTimeout
	return srv
}

// mountProfiles serves net/http/pprof under /debug/pprof/ on mux. The
// package also registers itself on http.DefaultServeMux, which copbot
// never serves.
func mountProfiles(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index) // and every named profile: heap, goroutine, allocs, …
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
