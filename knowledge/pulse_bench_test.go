package knowledge_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/copbot/copbot/internal/loadgen"
	"github.com/copbot/copbot/knowledge"
)

var (
	pulseMembers = flag.Int("pulse-members", 100_000, "members of the community BenchmarkStats reads")
	pulseTips    = flag.Int("pulse-tips", 1_000_000, "tips of the community BenchmarkStats reads")
)

// BenchmarkStats measures /cop stats in one community of -pulse-members
// members (default 100,000) and -pulse-tips tips (default 1,000,000) with
// three years of history (loadgen.BigCommunity), for each period; it
// reports p50 and p99. Target: under 200 ms. It also logs how long the
// hourly refresh behind levels and the quarter's kept figures takes.
func BenchmarkStats(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	c, err := s.Community(ctx, "slack", "T-pulse")
	if err != nil {
		b.Fatal(err)
	}
	end := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	shape := loadgen.BigCommunity(end)
	shape.Members, shape.Tips = *pulseMembers, *pulseTips
	start := time.Now()
	if err := loadgen.FillHistory(ctx, s.Pool(), c.ID, shape, 1); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d members and %d tips with their votes in %s", shape.Members, shape.Tips, time.Since(start).Round(time.Millisecond))
	s.SetClock(func() time.Time { return end })
	start = time.Now()
	if err := s.RefreshEngagement(ctx, c.ID); err != nil {
		b.Fatal(err)
	}
	b.Logf("engagement refresh took %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := s.RefreshPeriodFigures(ctx, c.ID); err != nil {
		b.Fatal(err)
	}
	b.Logf("the quarter's kept figures took %s (with and without facilitators)", time.Since(start).Round(time.Millisecond))
	facilitator, err := s.SeeMember(ctx, c.ID, knowledge.Person{PlatformUserID: "U0000000", IsAdmin: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []knowledge.Period{knowledge.PeriodWeek, knowledge.PeriodMonth, knowledge.PeriodQuarter} {
		b.Run(p.String(), func(b *testing.B) {
			var durations []time.Duration
			for b.Loop() {
				t0 := time.Now()
				st, err := s.Stats(ctx, facilitator, p, nil)
				durations = append(durations, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if st.ActiveMembers.Now == 0 || st.TipsSaved.Now == 0 || !st.Levels.Known || len(st.TopReceivers) == 0 {
					b.Fatalf("stats of an active community are empty: %+v", st)
				}
			}
			reportPercentiles(b, durations)
		})
	}
}
