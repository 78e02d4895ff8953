package knowledge_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/knowledge"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string // YYYY-MM-DD, or "" for an error
		message string // part of the error
	}{
		{"2027-06-30", "2027-06-30", ""},
		{"2028-02-29", "2028-02-29", ""},
		{"31/02/2027", "", "YYYY-MM-DD"},
		{"2027-6-3", "", "YYYY-MM-DD"},
		{"2027-02-31", "", "February 2027 has 28 days"},
		{"2027-02-29", "", "February 2027 has 28 days"},
		{"2027-13-01", "", "no month 13"},
		{"2027-00-10", "", "no month 0"},
		{"2027-04-00", "", "April 2027 has 30 days"},
		{"tomorrow", "", "YYYY-MM-DD"},
		{"", "", "YYYY-MM-DD"},
		{" 2027-06-30", "", "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := knowledge.ParseDate(tt.in)
			if tt.want != "" {
				if err != nil || got.Format(knowledge.DateLayout) != tt.want || got.Location() != time.UTC {
					t.Fatalf("ParseDate(%q) = %v, %v; want %s UTC", tt.in, got, err, tt.want)
				}
				return
			}
			var invalid *knowledge.InvalidError
			if !errors.As(err, &invalid) || !strings.Contains(invalid.Msg, tt.message) {
				t.Fatalf("ParseDate(%q) error = %v; want an InvalidError saying %q", tt.in, err, tt.message)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in    string
		want  float64
		delta bool
		bad   bool
	}{
		{in: "5", want: 5},
		{in: "2.5", want: 2.5},
		{in: ".5", want: 0.5},
		{in: "+1", want: 1, delta: true},
		{in: "-2", want: -2, delta: true},
		{in: "-5", want: -5, delta: true},
		{in: "0", want: 0},
		{in: "five", bad: true},
		{in: "1e3", bad: true},
		{in: "NaN", bad: true},
		{in: "Inf", bad: true},
		{in: "1,5", bad: true},
		{in: "++1", bad: true},
		{in: "5%", bad: true},
		{in: "10000000000000", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := knowledge.ParseAmount(tt.in)
			if tt.bad {
				var invalid *knowledge.InvalidError
				if !errors.As(err, &invalid) {
					t.Fatalf("ParseAmount(%q) = %v, %v; want an InvalidError", tt.in, got, err)
				}
				return
			}
			if err != nil || got.Value != tt.want || got.Delta != tt.delta {
				t.Fatalf("ParseAmount(%q) = %+v, %v; want %v (delta %v)", tt.in, got, err, tt.want, tt.delta)
			}
		})
	}
}

func TestFormatAmount(t *testing.T) {
	for in, want := range map[float64]string{5: "5", 2.5: "2.5", 1.0 / 3: "0.33", 0.004: "0", -1.5: "-1.5", 1e9: "1000000000"} {
		if got := knowledge.FormatAmount(in); got != want {
			t.Errorf("FormatAmount(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestStore_SetConfig_TimezoneAndCheckinBy(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	p := newPractice(t, s, "discord", "G-config")
	admin := p.member(t, "admin")
	cfg, err := s.Config(ctx, p.c.ID)
	if err != nil || cfg.Location() != time.UTC || cfg.CheckinBy() != knowledge.CheckinByOwner {
		t.Fatalf("defaults: %v, %v, %v", cfg.Location(), cfg.CheckinBy(), err)
	}
	for _, bad := range []string{"Mars/Olympus", "Local", "", "../../etc/passwd", "Europe/ Berlin"} {
		if _, err := s.SetConfig(ctx, admin, "timezone", bad); err == nil {
			t.Errorf("timezone %q accepted", bad)
		}
	}
	if _, err := s.SetConfig(ctx, admin, "checkin-by", "everyone"); err == nil {
		t.Error("checkin-by everyone accepted")
	}
	if v, err := s.SetConfig(ctx, admin, "timezone", "Europe/Berlin"); err != nil || v != "Europe/Berlin" {
		t.Fatalf("timezone Europe/Berlin = %q, %v", v, err)
	}
	if v, err := s.SetConfig(ctx, admin, "checkin-by", "ANYONE"); err != nil || v != "anyone" {
		t.Fatalf("checkin-by ANYONE = %q, %v", v, err)
	}
	if cfg, err = s.Config(ctx, p.c.ID); err != nil || cfg.Location().String() != "Europe/Berlin" || cfg.CheckinBy() != "anyone" {
		t.Errorf("read back: %v, %v, %v", cfg.Location(), cfg.CheckinBy(), err)
	}
}
