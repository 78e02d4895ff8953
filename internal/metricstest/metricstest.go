// Package metricstest reads what a Prometheus registry holds, for tests
// that check a figure was counted.
package metricstest

import (
	"maps"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Value is the value of a counter, or the sample count of a histogram, of
// the registry with the given name and labels (others may be present); 0
// when there is none.
func Value(tb testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	tb.Helper()
	families, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue metrics
				}
			}
			if m.GetHistogram() != nil {
				return float64(m.GetHistogram().GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// Values reads a counter of the registry for each value of one label, the
// other labels fixed: the figures before a request, for OneMore.
func Values(tb testing.TB, reg *prometheus.Registry, name string, labels map[string]string, label string, values []string) map[string]float64 {
	tb.Helper()
	out := make(map[string]float64, len(values))
	for _, v := range values {
		out[v] = Value(tb, reg, name, with(labels, label, v))
	}
	return out
}

// OneMore checks that, since Values read before, the counter went up by one
// for the label value one (for none, when one is "") and stayed where it
// was for every other value: a request was counted once, under the right
// reason and no other.
func OneMore(tb testing.TB, reg *prometheus.Registry, name string, labels map[string]string, label string, before map[string]float64, one string) {
	tb.Helper()
	for _, v := range slices.Sorted(maps.Keys(before)) {
		was := before[v]
		want := was
		if v == one {
			want++
		}
		if got := Value(tb, reg, name, with(labels, label, v)); got != want {
			tb.Errorf("%s{%s=%q} went from %v to %v; want %v", name, label, v, was, got, want)
		}
	}
}

// with is labels and one more.
func with(labels map[string]string, label, value string) map[string]string {
	out := map[string]string{label: value}
	for k, v := range labels {
		out[k] = v
	}
	return out
}
