package commands_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/copbot/copbot/bot/console"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/testlog"
	"github.com/copbot/copbot/knowledge"
)

// handClocked runs console lines as copbot dev does: the store on the
// console's clock, and moves of that clock running the core's periodic
// work. It returns the transcript cut at each /clock line, the line first.
func handClocked(t *testing.T, lines ...string) []string {
	t.Helper()
	var out bytes.Buffer
	con := console.New(strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, nil)
	logs := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	store, err := knowledge.NewStore(dbtest.Pool(t), log)
	if err != nil {
		t.Fatal(err)
	}
	store.SetClock(con.Now)
	core := commands.NewCore(store, log, con)
	b, clock, err := core.StartHandClock(context.Background(), &commands.BackgroundOptions{Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.Stop(ctx); err != nil {
			t.Errorf("stop background work: %v", err)
		}
	})
	handler := struct {
		*commands.Core
		*commands.HandClock
	}{core, clock}
	if err := con.Run(context.Background(), handler); err != nil {
		t.Fatalf("console: %v\n%s", err, out.String())
	}
	parts := strings.Split(out.String(), "host #general> /clock")
	for i := range parts[1:] {
		parts[i+1] = "/clock" + parts[i+1]
	}
	return parts
}

// TestHandClock_RunsWhatCameDue moves the console's clock a day at a time,
// as copbot dev does, and sees each periodic notice come on its day, once:
// the mentoring follow-up scheduled 7 days after the pairing, the weekly
// digest on Monday, the reminder of a week without a check-in.
func TestHandClock_RunsWhatCameDue(t *testing.T) {
	parts := handClocked(t,
		"/clock 2026-11-02 09:00", // a Monday
		"/cop config welcome off",
		"/cop config digest-channel #general",
		"/cop config mentor-followup-days 7",
		"/join ada",
		"/join bob",
		"/as ada",
		"/cop mentor offer testing",
		"/as bob",
		"/cop mentor request testing",
		"/as ada",
		"/cop mentor accept 1",
		"/as host",
		`/cop objective add "Share ten testing tips" target 10 due 2026-12-31 #testing`,
		"/cop checkin 1 +2",
		"/clock +6d",
		"/clock +1d",
		"/clock +7d",
		"/clock",
	)
	if len(parts) != 6 {
		t.Fatalf("transcript in %d parts, want 6:\n%s", len(parts), strings.Join(parts, ""))
	}
	followUp, digest := "Have you met?", "*The week in the community* (Nov 2 – Nov 9)"
	reminder := "no check-in on objective 1 “Share ten testing tips” in the week of 2026-11-09"
	tests := []struct {
		name       string
		part       string
		want, none []string
	}{
		{"SixDays", parts[2], []string{"clock: Sun 2026-11-08 09:00 UTC\n"}, []string{followUp, digest, reminder, "copbot"}},
		{"SevenDays", parts[3], []string{"clock: Mon 2026-11-09 09:00 UTC\n", followUp, digest, "1 check-in"}, []string{reminder}},
		{"FourteenDays", parts[4], []string{"clock: Mon 2026-11-16 09:00 UTC\n", reminder}, []string{followUp, "The week in the community"}},
		{"Tell", parts[5], []string{"clock: Mon 2026-11-16 09:00 UTC\n"}, []string{"copbot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.part, w) {
					t.Errorf("missing %q in\n%s", w, tt.part)
				}
			}
			for _, n := range tt.none {
				if strings.Contains(tt.part, n) {
					t.Errorf("unexpected %q in\n%s", n, tt.part)
				}
			}
		})
	}
	// The follow-up was scheduled before the digest and the reminder
	// were planned: it comes first.
	if f, d := strings.Index(parts[3], followUp), strings.Index(parts[3], digest); f > d {
		t.Errorf("the digest came before the follow-up:\n%s", parts[3])
	}
}
