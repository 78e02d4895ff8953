package commands_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
)

// TestRouter_ReadmeListsEveryCommand: the README's Commands table names every
// family and subcommand of the grammar, so adding a subcommand without
// documenting it fails here (as forgetting Discord's table fails
// TestCommands_MirrorTheGrammar in bot/discord).
func TestRouter_ReadmeListsEveryCommand(t *testing.T) {
	rows := readmeCommandCells(t)
	core, _ := newIdleCore(t, dbtest.Pool(t))
	for family, subs := range core.Grammar() {
		form := regexp.MustCompile("`/cop " + family + `\b([^` + "`" + `]*)`)
		var forms []string
		for _, row := range rows {
			for _, m := range form.FindAllStringSubmatch(row, -1) {
				forms = append(forms, m[1])
			}
		}
		if len(forms) == 0 {
			t.Errorf("README's Commands table has no row for /cop %s", family)
			continue
		}
		for _, sub := range subs {
			word := regexp.MustCompile(`(^|[ |(\[])` + sub + `([ |)\]]|$)`)
			if !slices.ContainsFunc(forms, word.MatchString) {
				t.Errorf("README's Commands table does not show /cop %s %s", family, sub)
			}
		}
	}
}

// readmeCommandCells is the first cell of each row of the README's
// Commands table, its `/cop …` forms, with \| read as |.
func readmeCommandCells(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "\n## Commands\n")
	if !ok {
		t.Fatal("README.md has no ## Commands section")
	}
	table, _, _ = strings.Cut(table, "\n#")
	var cells []string
	for _, line := range strings.Split(table, "\n") {
		if row := strings.Split(line, " | "); strings.HasPrefix(line, "| ") && len(row) > 1 {
			cells = append(cells, strings.ReplaceAll(row[0], `\|`, "|"))
		}
	}
	return cells
}
