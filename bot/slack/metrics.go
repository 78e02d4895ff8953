package slack

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/copbot/copbot/internal/platformmetrics"
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

// metrics are the adapter's Prometheus figures, shared by name with the
// other adapters (internal/platformmetrics).
type metrics struct {
	received *prometheus.CounterVec
	rejected *prometheus.CounterVec
	ack      prometheus.Observer
	apiCalls *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m, err := platformmetrics.New(reg, "slack")
	if err != nil {
		return nil, err
	}
	return &metrics{received: m.Received, rejected: m.Rejected, ack: m.Ack, apiCalls: m.APICalls}, nil
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
