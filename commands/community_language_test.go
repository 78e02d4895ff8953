package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
)

func TestCore_SearchLanguage(t *testing.T) {
	pool := dbtest.Pool(t)
	core, _ := newCore(t, pool)
	out := script(t, core,
		"/cop save Flaky tests hide real bugs",
		"/cop config language klingon",
		"/cop config language German",
		"/cop save Die alten Häuser brauchen neue Fenster",
		"/cop search Häusern",
		"/cop search flaky",
		"/as ada",
		"/cop config language french",
	)
	for _, want := range []string{
		`Search cannot stem "klingon"; the languages here are`,
		"`language` is now german.",
		// German stems "Häuser" and "Häusern" alike, in the tip and in the query;
		// English stems neither.
		"*2* Die alten Häuser brauchen neue Fenster",
		// The tip saved before the change was re-indexed and is still found.
		"*1* Flaky tests hide real bugs",
		"Only facilitators can use `/cop config`.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	var langs []string
	if err := pool.QueryRow(context.Background(), `SELECT array_agg(DISTINCT lang::text) FROM tips`).Scan(&langs); err != nil {
		t.Fatal(err)
	}
	if len(langs) != 1 || langs[0] != "german" {
		t.Errorf("tips are stemmed in %v, want all in german", langs)
	}
}
