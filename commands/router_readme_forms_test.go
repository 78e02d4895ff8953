package commands_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
)

// TestRouter_ReadmeFormsAreHelps: every `/cop …` form in the first column
// of the README's Commands table is a usage line of `/cop help`, word for
// word, and every usage line of help is in the table: the two cannot drift
// apart.
func TestRouter_ReadmeFormsAreHelps(t *testing.T) {
	form := regexp.MustCompile("`/cop ([^`]*)`")
	var inReadme []string
	for _, cell := range readmeCommandCells(t) {
		for _, m := range form.FindAllStringSubmatch(cell, -1) {
			inReadme = append(inReadme, m[1])
		}
	}
	core, _ := newIdleCore(t, dbtest.Pool(t))
	var inHelp []string
	// Help marks some lines with who may use them, "   (facilitators)"; the
	// table says that in a column of its own.
	who := regexp.MustCompile(`\s{2,}\([^)]*\)$`)
	for _, u := range core.Usage() {
		u = who.ReplaceAllString(u, "")
		inHelp = append(inHelp, u)
		if !slices.Contains(inReadme, u) {
			t.Errorf("help's usage `/cop %s` is not in README's Commands table", u)
		}
	}
	for _, f := range inReadme {
		if !slices.Contains(inHelp, f) {
			t.Errorf("README's Commands table shows `/cop %s`, which is no usage line of /cop help", f)
		}
	}
}
