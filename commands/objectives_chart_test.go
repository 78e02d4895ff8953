package commands

import (
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

// BenchmarkBurnUpChart measures drawing and encoding one chart with a
// year of weekly check-ins.
func BenchmarkBurnUpChart(b *testing.B) {
	created := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	o := knowledge.Objective{Number: 1, Title: "Share five new teaching strategies", Target: 60, Unit: "strategies",
		Due: time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC), State: knowledge.ObjectiveOpen, CreatedAt: created}
	var entries []knowledge.Entry
	for i := range 40 {
		entries = append(entries, knowledge.Entry{At: created.AddDate(0, 0, 7*i+3), Amount: 1, Value: float64(i + 1)})
	}
	p := knowledge.Project(o, entries, created.AddDate(0, 0, 7*40), time.UTC)
	for b.Loop() {
		if _, err := burnUpChart(p); err != nil {
			b.Fatal(err)
		}
	}
}
