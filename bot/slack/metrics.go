package slack

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
)

// Reasons a delivery is rejected, as counted by copbot_events_rejected_total.
const (
	rejectBadSignature = "bad_signature"
	rejectStale        = "stale"
	rejectTooLarge     = "too_large"
	rejectMalformed    = "malformed"
	rejectNotRecorded  = "not_recorded"
)

// Kinds of delivery counted by copbot_events_received_total besides the
// core's event kinds.
const (
	kindIgnored         = "ignored"
	kindURLVerification = "url_verification"
)

// metrics are the adapter's Prometheus collectors. Their names are shared
// by every platform adapter, told apart by the constant label platform, so
// that one registry can hold the Slack and Discord adapters' collectors.
type metrics struct {
	received *prometheus.CounterVec
	rejected *prometheus.CounterVec
	ack      prometheus.Observer
	apiCalls *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	platform := prometheus.Labels{"platform": "slack"}
	m := &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copbot_events_received_total", Help: "Platform deliveries received, by kind.", ConstLabels: platform,
		}, []string{"kind"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copbot_events_rejected_total", Help: "Platform deliveries refused or not recorded, by reason.", ConstLabels: platform,
		}, []string{"reason"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "copbot_platform_api_calls_total", Help: "Calls to the platform's API, by method and outcome.", ConstLabels: platform,
		}, []string{"method", "outcome"}),
	}
	ack := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "copbot_ack_seconds", Help: "Time from receiving a delivery to acknowledging it.", ConstLabels: platform,
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms … 4 s
	})
	m.ack = ack
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.received, m.rejected, ack, m.apiCalls} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// apiCall counts a Web API call by its outcome.
func (m *metrics) apiCall(method string, err error) {
	outcome := "ok"
	switch {
	case err == nil:
	case isRateLimited(err):
		outcome = "rate_limited"
	default:
		outcome = "error"
	}
	m.apiCalls.WithLabelValues(method, outcome).Inc()
}

func isRateLimited(err error) bool {
	var limited *slack.RateLimitedError
	var status slack.StatusCodeError
	return errors.As(err, &limited) || (errors.As(err, &status) && status.Code == 429)
}
