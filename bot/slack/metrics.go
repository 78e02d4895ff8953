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
// with the Discord adapter's, told apart by the label platform, so that one
// registry holds both: the label is a variable label, curried to "slack",
// and the help texts are the Discord adapter's word for word, because a
// registry refuses a name whose descriptors differ in either; and a
// collector the other adapter registered first is used rather than
// registered again.
type metrics struct {
	received *prometheus.CounterVec
	rejected *prometheus.CounterVec
	ack      prometheus.Observer
	apiCalls *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	received := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_events_received_total", Help: "Platform events and commands received, by platform and kind.",
	}, []string{"platform", "kind"})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_events_rejected_total", Help: "Platform deliveries refused or not recorded, by platform and reason.",
	}, []string{"platform", "reason"})
	apiCalls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "copbot_platform_api_calls_total", Help: "Calls to platform APIs, by platform, method and outcome.",
	}, []string{"platform", "method", "outcome"})
	ack := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "copbot_ack_seconds", Help: "Time from receiving an event to acknowledging it, by platform.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms … 4 s
	}, []string{"platform"})
	if reg != nil {
		var errs [4]error
		received, errs[0] = registered(reg, received)
		rejected, errs[1] = registered(reg, rejected)
		apiCalls, errs[2] = registered(reg, apiCalls)
		ack, errs[3] = registered(reg, ack)
		if err := errors.Join(errs[:]...); err != nil {
			return nil, err
		}
	}
	slack := prometheus.Labels{"platform": "slack"}
	return &metrics{
		received: received.MustCurryWith(slack), rejected: rejected.MustCurryWith(slack),
		apiCalls: apiCalls.MustCurryWith(slack), ack: ack.WithLabelValues("slack"),
	}, nil
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
	return c, err
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
