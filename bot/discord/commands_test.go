package discord

import (
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
)

func TestCommandText(t *testing.T) {
	tests := []struct {
		name    string
		options string // the data.options of a /cop interaction, as Discord sends them
		want    string
	}{
		{"NoOptions", `[{"name": "help", "type": 1}]`, "help"},
		{"HelpTopic", `[{"name": "help", "type": 1, "options": [{"name": "topic", "type": 3, "value": "search"}]}]`, "help search"},
		{"SaveKeepsTextAsTyped", `[{"name": "save", "type": 1, "options": [{"name": "text", "type": 3, "value": "Use \"git bisect\" #debugging"}]}]`,
			`save Use "git bisect" #debugging`},
		{"SearchInGrammarOrder", `[{"name": "search", "type": 1, "options": [{"name": "page", "type": 4, "value": 2},
			{"name": "from", "type": 6, "value": "500000000000000001"}, {"name": "query", "type": 3, "value": "flaky tests"},
			{"name": "tag", "type": 3, "value": "ci"}]}]`, "search flaky tests #ci from:<@500000000000000001> page:2"},
		{"TipsChoice", `[{"name": "tips", "type": 1, "options": [{"name": "order", "type": 3, "value": "recent"}, {"name": "tag", "type": 3, "value": "#testing"}]}]`,
			"tips recent #testing"},
		{"TagsGetHashes", `[{"name": "tag", "type": 1, "options": [{"name": "tip", "type": 4, "value": 12}, {"name": "tags", "type": 3, "value": "testing, #ci  flaky"}]}]`,
			"tag 12 #testing #ci #flaky"},
		{"MentorGroup", `[{"name": "mentor", "type": 2, "options": [{"name": "offer", "type": 1, "options": [
			{"name": "capacity", "type": 4, "value": 3}, {"name": "topics", "type": 3, "value": "go testing"}]}]}]`, "mentor offer go testing capacity 3"},
		{"MentorStatus", `[{"name": "mentor", "type": 2, "options": [{"name": "status", "type": 1}]}]`, "mentor status"},
		{"ObjectiveAdd", `[{"name": "objective", "type": 2, "options": [{"name": "add", "type": 1, "options": [
			{"name": "title", "type": 3, "value": "Run 4 \"brown bag\" talks"}, {"name": "target", "type": 10, "value": 4},
			{"name": "due", "type": 3, "value": "2025-06-30"}, {"name": "unit", "type": 3, "value": "talks"}]}]}]`,
			`objective add "Run 4 'brown bag' talks" target 4 due 2025-06-30 unit talks`},
		{"FractionalTarget", `[{"name": "objective", "type": 2, "options": [{"name": "add", "type": 1, "options": [
			{"name": "title", "type": 3, "value": "Coverage"}, {"name": "target", "type": 10, "value": 82.5}, {"name": "due", "type": 3, "value": "2025-01-01"}]}]}]`,
			`objective add "Coverage" target 82.5 due 2025-01-01`},
		{"ObjectiveEdit", `[{"name": "objective", "type": 2, "options": [{"name": "edit", "type": 1, "options": [
			{"name": "tag", "type": 3, "value": "none"}, {"name": "objective", "type": 4, "value": 3},
			{"name": "title", "type": 3, "value": "Six talks"}, {"name": "cadence", "type": 3, "value": "monthly"},
			{"name": "owner", "type": 6, "value": "500000000000000002"}]}]}]`,
			`objective edit 3 title "Six talks" tag none owner <@500000000000000002> cadence monthly`},
		{"ObjectiveEditTag", `[{"name": "objective", "type": 2, "options": [{"name": "edit", "type": 1, "options": [
			{"name": "objective", "type": 4, "value": 3}, {"name": "tag", "type": 3, "value": "#teaching"}]}]}]`, `objective edit 3 #teaching`},
		{"MentorPair", `[{"name": "mentor", "type": 2, "options": [{"name": "pair", "type": 1, "options": [
			{"name": "mentee", "type": 6, "value": "2"}, {"name": "mentor", "type": 6, "value": "1"},
			{"name": "topics", "type": 3, "value": "testing"}]}]}]`, "mentor pair <@1> <@2> testing"},
		{"Checkin", `[{"name": "checkin", "type": 1, "options": [{"name": "note", "type": 3, "value": "two talks booked"},
			{"name": "objective", "type": 4, "value": 3}, {"name": "value", "type": 3, "value": "+1"}]}]`, "checkin 3 +1 two talks booked"},
		{"FacilitatorUser", `[{"name": "facilitator", "type": 2, "options": [{"name": "add", "type": 1, "options": [
			{"name": "user", "type": 6, "value": "500000000000000002"}]}]}]`, "facilitator add <@500000000000000002>"},
		{"ConfigChannel", `[{"name": "config", "type": 1, "options": [{"name": "channel", "type": 7, "value": "400000000000000002"},
			{"name": "key", "type": 3, "value": "exclude"}]}]`, "config exclude <#400000000000000002>"},
		{"UnknownOptionKept", `[{"name": "stories", "type": 1, "options": [{"name": "limit", "type": 4, "value": 5}]}]`, "stories 5"},
		{"Stats", `[{"name": "stats", "type": 1, "options": [{"name": "members", "type": 3, "value": "all"},
			{"name": "period", "type": 3, "value": "7d"}]}]`, "stats 7d all"},
		{"DigestPreview", `[{"name": "digest", "type": 2, "options": [{"name": "preview", "type": 1}]}]`, "digest preview"},
		{"Story", `[{"name": "story", "type": 1, "options": [{"name": "text", "type": 3, "value": "I test first now"}]}]`, "story I test first now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var i discordgo.Interaction
			payload := `{"id": "1", "type": 2, "token": "t", "data": {"id": "9", "name": "cop", "type": 1, "options": ` + tt.options + `}}`
			if err := json.Unmarshal([]byte(payload), &i); err != nil {
				t.Fatal(err)
			}
			got, err := commandText(i.ApplicationCommandData())
			if err != nil || got != tt.want {
				t.Errorf("commandText = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestCommands checks the /cop definition against Discord's rules and the
// text grammar's names.
func TestCommands(t *testing.T) {
	cmds := Commands()
	if len(cmds) != 1 || cmds[0].Name != "cop" {
		t.Fatalf("Commands() = %v, want /cop", cmds)
	}
	name := regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)
	var check func(path string, opts []*discordgo.ApplicationCommandOption)
	check = func(path string, opts []*discordgo.ApplicationCommandOption) {
		if len(opts) > 25 {
			t.Errorf("%s has %d options; Discord allows 25", path, len(opts))
		}
		optional := false
		for _, o := range opts {
			p := path + " " + o.Name
			if !name.MatchString(o.Name) || o.Description == "" || len([]rune(o.Description)) > 100 {
				t.Errorf("%s: bad name or description %q", p, o.Description)
			}
			if o.Required && optional {
				t.Errorf("%s: a required option after an optional one", p)
			}
			optional = optional || !o.Required
			check(p, o.Options)
		}
	}
	check("/cop", cmds[0].Options)
	var families []string
	for _, o := range cmds[0].Options {
		families = append(families, o.Name)
	}
	want := "help save search tips tag untag remove restore notes mentor objective checkin stats digest story stories facilitator config community partner share in link unlink"
	if got := strings.Join(families, " "); got != want {
		t.Errorf("families %q, want %q", got, want)
	}
	main := map[string]string{"save": "text", "search": "query", "checkin": "note"}
	for _, o := range cmds[0].Options {
		if opt, ok := main[o.Name]; ok && !hasOption(o.Options, opt) {
			t.Errorf("/cop %s lacks its %q option", o.Name, opt)
		}
		if o.Name == "mentor" {
			for _, s := range o.Options {
				if (s.Name == "offer" || s.Name == "request") && !hasOption(s.Options, "topics") {
					t.Errorf("/cop mentor %s lacks its topics option", s.Name)
				}
			}
		}
	}
}

func hasOption(opts []*discordgo.ApplicationCommandOption, name string) bool {
	for _, o := range opts {
		if o.Name == name {
			return true
		}
	}
	return false
}

// TestCommands_MirrorTheGrammar: /cop on Discord has every family and
// subcommand of the text grammar, so nothing people can type elsewhere is
// missing there.
func TestCommands_MirrorTheGrammar(t *testing.T) {
	store, err := knowledge.NewStore(dbtest.Pool(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	grammar := commands.NewCore(store, slog.New(slog.DiscardHandler)).Grammar()
	registered := map[string]map[string]bool{}
	for _, f := range Commands()[0].Options {
		registered[f.Name] = map[string]bool{}
		for _, s := range f.Options {
			if s.Type == discordgo.ApplicationCommandOptionSubCommand {
				registered[f.Name][s.Name] = true
			}
		}
	}
	for family, subs := range grammar {
		got, ok := registered[family]
		if !ok {
			t.Errorf("/cop %s is missing on Discord", family)
			continue
		}
		for _, s := range subs {
			if !got[s] {
				t.Errorf("/cop %s %s is missing on Discord", family, s)
			}
		}
	}
	for family := range registered {
		if _, ok := grammar[family]; !ok {
			t.Errorf("Discord has /cop %s, which the grammar does not know", family)
		}
	}
}
