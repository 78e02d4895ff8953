package commands_test

import (
	"context"
	"image"
	"image/png"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/dbtest"
)

const addTeaching = `/cop objective add "Share five teaching strategies" target 5 unit strategies due 2099-06-30 #teaching`

func TestCore_Objectives(t *testing.T) {
	tests := []struct {
		name   string
		lines  []string
		want   []string
		reject []string
	}{
		{"AddCheckInShow", []string{addTeaching, "/cop checkin 1 2 first two from the workshop", "/cop checkin 1 +1", "/cop objective show 1"},
			[]string{
				"copbot: Added objective 1 “Share five teaching strategies”: 5 strategies by 2099-06-30, owner host, weekly check-ins.",
				"copbot: host checked in on objective 1 “Share five teaching strategies”: 2 of 5 strategies (40%) ████░░░░░░ *on track*",
				"3 of 5 strategies (60%) ██████░░░░ *on track*",
				"Linear projection: at the pace so far (3 a week), the target is reached in about 5 days, before the due date.",
				"Needs 2 more by 2099-06-30: less than one a year.",
				"• just now — host set it to 2 · first two from the workshop",
				"• just now — host +1 → 3",
				"[file: ",
			}, nil},
		{"NoCheckinsYet", []string{addTeaching, "/cop objective show 1"},
			[]string{"0 of 5 strategies (0%) ░░░░░░░░░░ *not started*", "No check-ins yet"}, []string{"History:"}},
		{"MissingPiecesAllNamed", []string{`/cop objective add "Untracked"`, "/cop objective list"},
			[]string{"Add a target: `target 5`.", "Add a due date: `due 20", "No open objectives."}, []string{"Added"}},
		{"NoTitle", []string{"/cop objective add target 5 due 2099-01-01"}, []string{"Give it a title in quotes"}, nil},
		{"DateInTheWrongFormat", []string{`/cop objective add "x" target 5 due 31/02/2027`},
			[]string{"The due date: `31/02/2027` is not a date I can read; write it as YYYY-MM-DD"}, nil},
		{"NoSuchDay", []string{`/cop objective add "x" target 5 due 2027-02-31`},
			[]string{"2027-02-31 is not a day on the calendar: February 2027 has 28 days."}, nil},
		{"NegativeTarget", []string{`/cop objective add "x" target -5 due 2099-01-01`}, []string{"The target must be a number above zero"}, nil},
		{"ZeroTarget", []string{`/cop objective add "x" target 0 due 2099-01-01`}, []string{"The target must be a number above zero"}, nil},
		{"TargetInWords", []string{`/cop objective add "x" target five due 2099-01-01`}, []string{"The target: `five` is not a number"}, nil},
		{"PastDueDate", []string{`/cop objective add "x" target 5 due 2020-01-01`}, []string{"The due date 2020-01-01 is not in the future (time zone UTC)"}, nil},
		{"StrayWords", []string{`/cop objective add "x" target 5 due 2099-01-01 weekly`}, []string{"I don't know what to do with `weekly`"}, nil},
		{"CheckinValueNotANumber", []string{addTeaching, "/cop checkin 1 lots"}, []string{"`lots` is not a number; use digits", "Check in a value like `/cop checkin 1 4`"}, nil},
		{"CheckinOnClosed", []string{addTeaching, "/cop objective close 1 dropped", "/cop checkin 1 +1", "/cop objective show 1"},
			[]string{"Closed objective 1 “Share five teaching strategies” as dropped at 0 of 5 strategies.",
				"Objective 1 is closed (dropped), so it takes no check-ins.", "*dropped*"}, []string{"History:"}},
		{"CloseAloneWhenReached", []string{addTeaching, "/cop objective close 1", "/cop checkin 1 5", "/cop objective close 1"},
			[]string{"Say how it ended: `/cop objective close 1 achieved`", "as achieved at 5 of 5 strategies"}, nil},
		{"CheckinOnNothing", []string{"/cop checkin 4 +1"}, []string{"There is no objective 4"}, nil},
		{"OnlyFacilitatorsChangeObjectives", []string{addTeaching, "/join ada", "/as ada",
			`/cop objective add "Mine" target 1 due 2099-01-01`, "/cop objective close 1 achieved", "/cop objective edit 1 target 9",
			"/cop objective reopen 1", "/cop checkin 1 +1", "/cop objective show 1"},
			[]string{"Only facilitators can use `/cop objective add`.", "Only facilitators can use `/cop objective close`.",
				"Only facilitators can use `/cop objective edit`.", "Only facilitators can use `/cop objective reopen`.",
				"Only host (the owner of objective 1) and facilitators can check in on it.", "0 of 5 strategies"}, nil},
		{"AnyoneMayCheckInWhenAllowed", []string{addTeaching, "/cop config checkin-by anyone", "/join ada", "/as ada", "/cop checkin 1 +1 my lesson plan"},
			[]string{"ada checked in on objective 1"}, nil},
		{"OwnerChecksIn", []string{"/join ada", `/cop objective add "Ada's" target 2 due 2099-01-01 owner @ada cadence monthly`, "/as ada", "/cop checkin 1 2"},
			[]string{"owner ada, monthly check-ins", "2 of 2 items (100%) ██████████ *achieved* 🎉", "A facilitator can close it"}, nil},
		{"TaggedTipsCount", []string{addTeaching, "/cop save Think-pair-share in every lesson #teaching", "/cop save Unrelated #testing",
			"/cop objective show 1", "/cop remove 1", "/cop objective list"},
			[]string{"tip 1, tagged by host, +1 → 1", "1 of 5 strategies (20%) ██░░░░░░░░", "0 of 5 strategies (0%)"}, []string{"tip 2, tagged by"}},
		{"EditAndReopen", []string{addTeaching, "/cop checkin 1 4", "/cop objective edit 1 target 8 due 2099-12-31 tag none",
			"/cop objective close 1 achieved confirm", "/cop objective reopen 1"},
			[]string{"Updated objective 1 “Share five teaching strategies”: 8 strategies by 2099-12-31", "4 of 8 strategies (50%)",
				"Well done", "Reopened objective 1"}, []string{"counting tips"}},
		{"PauseAndResume", []string{addTeaching, "/cop objective pause 1 until 2020-01-01", "/cop objective pause 1 until 2099-01-15",
			"/cop objective show 1", "/cop objective resume 1", "/cop objective pause 1"},
			[]string{"2020-01-01 has passed already", "No reminders for objective 1 “Share five teaching strategies” until the end of 2099-01-15.",
				"reminders paused until 2099-01-15", "Reminders for objective 1 “Share five teaching strategies” are on again.", "Say until when"}, nil},
		{"TimeZoneSetting", []string{"/cop config timezone Mars/Olympus", "/cop config timezone Europe/Berlin"},
			[]string{"is not a time zone I know", "`timezone` is now Europe/Berlin."}, nil},
		{"UserTextStaysInert", []string{`/cop objective add "<!channel> ping" target 1 due 2099-01-01`, "/cop objective list"},
			[]string{"“<!channel> ping”"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := consoleScript(t, tt.lines...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("transcript lacks %q:\n%s", w, out)
				}
			}
			for _, r := range tt.reject {
				if strings.Contains(out, r) {
					t.Errorf("transcript has %q:\n%s", r, out)
				}
			}
		})
	}
}

func TestCore_ObjectiveUserTextIsUserText(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	ctx := context.Background()
	send := func(id, text string) bot.Reply {
		ev := slackEvent(bot.Command, id, "U1")
		ev.User.IsAdmin, ev.Text = true, text
		replies, err := core.HandleEvent(ctx, ev)
		if err != nil || len(replies) != 1 {
			t.Fatalf("%s: %v, %v", text, replies, err)
		}
		return replies[0]
	}
	send("c1", `objective add "<!channel> goal" target 3 unit <@U2> due 2099-01-01`)
	for _, r := range []bot.Reply{send("c2", "checkin 1 +1 @everyone look"), send("c3", "objective show 1"), send("c4", "objective list")} {
		for _, sp := range r.Text {
			if sp.Kind == bot.Markup && (strings.Contains(sp.Text, "<!channel>") || strings.Contains(sp.Text, "<@U2>") ||
				strings.Contains(sp.Text, "@everyone")) {
				t.Errorf("user text in copbot's markup: %q", sp.Text)
			}
			if sp.Kind == bot.Mention {
				t.Errorf("reply mentions %q", sp.Text)
			}
		}
	}
}

func TestCore_ObjectiveChart(t *testing.T) {
	out := consoleScript(t, addTeaching, "/cop checkin 1 2", "/cop checkin 1 +1", "/cop objective show 1")
	m := regexp.MustCompile(`\[file: (.+objective-1\.png)\]`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("show attached no chart:\n%s", out)
	}
	f, err := os.Open(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("chart is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 480 || b.Dy() != 300 {
		t.Errorf("chart is %dx%d, want 480x300", b.Dx(), b.Dy())
	}
	if colors := distinctColors(img); colors < 4 {
		t.Errorf("chart has %d colours; want lines in several", colors)
	}
}

func distinctColors(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r >> 12, g >> 12, bl >> 12, a >> 12}] = true
		}
	}
	return len(seen)
}

// TestCore_ClosingBelowTargetAsksFirst: closing an objective as achieved
// before it reached its target asks for confirmation, with a button.
func TestCore_ClosingBelowTargetAsksFirst(t *testing.T) {
	out := consoleScript(t, addTeaching, "/cop checkin 1 2", "/cop objective close 1 achieved", "/cop objective show 1",
		"/cop objective close 1 achieved confirm")
	for _, want := range []string{"stands at 2 of 5, below its target", "`/cop objective close 1 achieved confirm`",
		"Closed objective 1 “Share five teaching strategies” as achieved at 2 of 5"} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "Closed objective 1") != 1 {
		t.Errorf("closed before it was confirmed:\n%s", out)
	}
}
