package commands_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
)

// TestRouter_UsageShowsEverySubcommand: /cop help <family> shows every
// subcommand the family routes, so a subcommand added to its handler alone
// fails here.
func TestRouter_UsageShowsEverySubcommand(t *testing.T) {
	core, _ := newCore(t, dbtest.Pool(t))
	for family, subs := range core.Grammar() {
		if len(subs) == 0 {
			continue
		}
		help := script(t, core, "/cop help "+family)
		_, usage, _ := strings.Cut(help, "Usage:")
		usage, _, _ = strings.Cut(usage, "Examples:")
		for _, sub := range subs {
			word := regexp.MustCompile("`/cop " + family + `[^` + "`" + `]*[ |\[(]` + sub + `([ |\])]|` + "`)")
			if !word.MatchString(usage) {
				t.Errorf("/cop help %s does not show the subcommand %s:\n%s", family, sub, usage)
			}
		}
	}
}
