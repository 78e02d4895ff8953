package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

func TestFigure(t *testing.T) {
	tests := []struct {
		c    knowledge.Count
		want string
	}{
		{knowledge.Count{Now: 12, Before: 9}, "12 (+3)"},
		{knowledge.Count{Now: 4, Before: 5}, "4 (−1)"},
		{knowledge.Count{Now: 7, Before: 7}, "7 (=)"},
		{knowledge.Count{}, "0 (=)"},
	}
	for _, tt := range tests {
		if got := figure(tt.c); got != tt.want {
			t.Errorf("figure(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestMedianText(t *testing.T) {
	d := func(x time.Duration) *time.Duration { return &x }
	tests := []struct {
		m    knowledge.Median
		want string
	}{
		{knowledge.Median{}, "nothing to measure yet"},
		{knowledge.Median{Now: d(30 * time.Second)}, "under a minute"},
		{knowledge.Median{Now: d(90 * time.Minute), Before: d(26 * time.Hour)}, "2 hours (before: 26 hours)"},
		{knowledge.Median{Before: d(84 * time.Hour)}, "none in the period (before: 3.5 days)"},
		{knowledge.Median{Now: d(time.Minute)}, "1 minute"},
		{knowledge.Median{Now: d(72 * time.Hour)}, "3 days"},
	}
	for _, tt := range tests {
		if got := medianText(tt.m); got != tt.want {
			t.Errorf("medianText(%v, %v) = %q, want %q", tt.m.Now, tt.m.Before, got, tt.want)
		}
	}
}

func TestRenderStats_UserTextIsInert(t *testing.T) {
	evil := knowledge.MemberRef{DisplayName: "<!channel> @everyone"}
	st := knowledge.Stats{Period: knowledge.PeriodMonth,
		TopSavers:   []knowledge.Contributor{{Member: evil, Count: knowledge.Count{Now: 2}}},
		LatestStory: &knowledge.Story{Member: evil, Text: "<@U1> *bold*"},
		Levels:      knowledge.LevelStats{Known: true, MovedUp: []knowledge.LevelMove{{Member: evil, To: knowledge.LevelCore}}, MovedUpTotal: 3},
	}
	text := renderStats(st)
	for _, sp := range text {
		if sp.Kind == bot.Markup && (strings.Contains(sp.Text, "<!channel>") || strings.Contains(sp.Text, "<@U1>")) {
			t.Errorf("user text in copbot's markup: %q", sp.Text)
		}
	}
	if s := text.String(); !strings.Contains(s, "and 2 more") || !strings.Contains(s, "newcomer → core") {
		t.Errorf("stats = %q", s)
	}
}

// TestRenderStats_KeptFiguresSayWhen: figures kept from the hourly refresh
// say when they were counted, beside activity and newcomers; figures counted
// just now say nothing.
func TestRenderStats_KeptFiguresSayWhen(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 40, 0, 0, time.UTC)
	st := knowledge.Stats{Period: knowledge.PeriodQuarter, AsOf: now, Levels: knowledge.LevelStats{Known: true, AsOf: now}}
	if got := renderStats(st).String(); strings.Contains(got, "as of") {
		t.Errorf("live figures say when they were counted:\n%s", got)
	}
	st.FiguresAsOf = now.Add(-40 * time.Minute)
	got := renderStats(st).String()
	if n := strings.Count(got, "as of 12:00 UTC (a quarter is counted hourly)"); n != 2 {
		t.Errorf("kept figures say when %d times, want twice (activity, newcomers):\n%s", n, got)
	}
}
