package discord

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/platformmetrics"
)

// metrics are the adapter's Prometheus figures: those every adapter keeps
// (internal/platformmetrics), and the spool's.
type metrics struct {
	received *prometheus.CounterVec
	rejected *prometheus.CounterVec
	ack      prometheus.Observer
	calls    *prometheus.CounterVec
	spool    prometheus.Gauge
}

const platform = string(bot.Discord)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	shared, err := platformmetrics.New(reg, platform)
	if err != nil {
		return nil, err
	}
	spool := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "copbot_spool_events", Help: "Gateway events waiting in the on-disk spool for the database.",
	})
	if reg != nil {
		if spool, err = platformmetrics.Registered[prometheus.Gauge](reg, spool); err != nil {
			return nil, err
		}
	}
	return &metrics{received: shared.Received, rejected: shared.Rejected, ack: shared.Ack, calls: shared.APICalls, spool: spool}, nil
}

func (m *metrics) eventReceived(kind bot.EventKind) {
	m.received.WithLabelValues(kind.String()).Inc()
}

// ignored counts a delivery copbot has no use for.
func (m *metrics) ignored() {
	m.received.WithLabelValues("ignored").Inc()
}

func (m *metrics) eventRejected(reason string) {
	m.rejected.WithLabelValues(reason).Inc()
}

func (m *metrics) acked(since time.Time) { m.ack.Observe(time.Since(since).Seconds()) }

func (m *metrics) apiCall(method, outcome string) {
	m.calls.WithLabelValues(method, outcome).Inc()
}
