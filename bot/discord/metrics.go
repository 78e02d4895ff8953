package discord

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/bot"
)

// metrics are the adapter's Prometheus figures. They are shared by name with
// the other adapters (the platform label tells them apart), so a collector
// another adapter registered first is reused.
type metrics struct {
	received *prometheus.CounterVec
	rejected *prometheus.CounterVec
	ack      prometheus.Observer
	calls    *prometheus.CounterVec
	spool    prometheus.Gauge
}

const platform = string(bot.Discord)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	received := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_events_received_total", Help: "Platform events and commands received, by platform and kind.",
	}, []string{"platform", "kind"})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_events_rejected_total", Help: "Platform deliveries refused or not recorded, by platform and reason.",
	}, []string{"platform", "reason"})
	ack := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "copbot_ack_seconds", Help: "Time from receiving an event to acknowledging it, by platform.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"platform"})
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_platform_api_calls_total", Help: "Calls to platform APIs, by platform, method and outcome.",
	}, []string{"platform", "method", "outcome"})
	spool := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "copbot_spool_events", Help: "Gateway events waiting in the on-disk spool for the database.",
	})
	m := &metrics{received: received, rejected: rejected, calls: calls, spool: spool}
	if reg == nil {
		m.ack = ack.WithLabelValues(platform)
		return m, nil
	}
	var errs [5]error
	m.received, errs[0] = registered(reg, received)
	m.rejected, errs[1] = registered(reg, rejected)
	m.calls, errs[2] = registered(reg, calls)
	m.spool, errs[3] = registered[prometheus.Gauge](reg, spool)
	ackVec, err := registered(reg, ack)
	errs[4] = err
	m.ack = ackVec.WithLabelValues(platform)
	return m, errors.Join(errs[:]...)
}

// registered registers c, or returns the collector of the same name another
// adapter registered before.
func registered[T prometheus.Collector](reg prometheus.Registerer, c T) (T, error) {
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

func (m *metrics) eventReceived(kind bot.EventKind) {
	m.received.WithLabelValues(platform, kind.String()).Inc()
}

// ignored counts a delivery copbot has no use for.
func (m *metrics) ignored() {
	m.received.WithLabelValues(platform, "ignored").Inc()
}

func (m *metrics) eventRejected(reason string) {
	m.rejected.WithLabelValues(platform, reason).Inc()
}

func (m *metrics) acked(since time.Time) { m.ack.Observe(time.Since(since).Seconds()) }

func (m *metrics) apiCall(method, outcome string) {
	m.calls.WithLabelValues(platform, method, outcome).Inc()
}
