// Package platformmetrics holds the Prometheus figures every chat adapter
// keeps: one set of collectors in a registry, which each adapter writes
// under its own platform label. Two adapters in one process (Slack and
// Discord) share them, so their descriptors are defined here, once.
package platformmetrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are one platform's view of the shared collectors: each vector is
// curried with the platform, so its labels are what remains.
type Metrics struct {
	// Received counts events and commands received, by kind.
	Received *prometheus.CounterVec
	// Rejected counts deliveries refused or not recorded, by reason.
	Rejected *prometheus.CounterVec
	// Ack observes the time from receiving an event to acknowledging it.
	Ack prometheus.Observer
	// APICalls counts calls to the platform's API, by method and outcome
	// (ok, rate_limited, error).
	APICalls *prometheus.CounterVec
}

// New returns the figures of platform, registering the collectors with reg
// unless another adapter did already; with reg nil they are counted but
// not served.
func New(reg prometheus.Registerer, platform string) (*Metrics, error) {
	received := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_events_received_total", Help: "Platform events and commands received, by platform and kind.",
	}, []string{"platform", "kind"})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_events_rejected_total", Help: "Platform deliveries refused or not recorded, by platform and reason.",
	}, []string{"platform", "reason"})
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_platform_api_calls_total", Help: "Calls to platform APIs, by platform, method and outcome.",
	}, []string{"platform", "method", "outcome"})
	ack := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "copbot_ack_seconds", Help: "Time from receiving an event to acknowledging it, by platform.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms … 4 s
	}, []string{"platform"})
	if reg != nil {
		var errs [4]error
		received, errs[0] = Registered(reg, received)
		rejected, errs[1] = Registered(reg, rejected)
		calls, errs[2] = Registered(reg, calls)
		ack, errs[3] = Registered(reg, ack)
		if err := errors.Join(errs[:]...); err != nil {
			return nil, err
		}
	}
	label := prometheus.Labels{"platform": platform}
	return &Metrics{
		Received: received.MustCurryWith(label), Rejected: rejected.MustCurryWith(label),
		APICalls: calls.MustCurryWith(label), Ack: ack.WithLabelValues(platform),
	}, nil
}

// Registered registers c, or returns the collector of the same name that
// was registered before.
func Registered[T prometheus.Collector](reg prometheus.Registerer, c T) (T, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(T); ok {
			return existing, nil
		}
	}
	if err != nil {
		return c, fmt.Errorf("register metric: %w", err)
	}
	return c, nil
}
