package main

import (
	"encoding/json"
	"github.com/copbot/copbot/internal/dbtest"
	"reflect"
	"strings"
	"testing"
)

func TestExportImport_RoundTripThroughTheBinary(t *testing.T) {
	src := []string{"DATABASE_URL=" + dbtest.URL(t)}
	script := strings.Join([]string{
		"Quarantine flaky tests and fix one a day #testing",
		"/react m1 bulb",
		"/cop save Runbooks beat heroics #ops <!channel>",
		"/cop save This one goes away",
		"/cop remove 3",
	}, "\n") + "\n"
	if out, errOut, code := copbot(t, script, src, "dev"); code != 0 || !strings.Contains(out, "Saved as tip 1") {
		t.Fatalf("dev exited %d\n%s\n%s", code, out, errOut)
	}

	out, errOut, code := copbot(t, "", src, "export", "--community", "console", "--format", "json")
	if code != 0 {
		t.Fatalf("export exited %d: %s", code, errOut)
	}
	var doc exportDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if doc.Community != "console" || len(doc.Tips) != 2 || doc.Tips[0].Author != "host" ||
		doc.Tips[1].Text != "Runbooks beat heroics #ops <!channel>" || strings.Join(doc.Tips[0].Tags, ",") != "testing" {
		t.Fatalf("export = %+v", doc)
	}
	if all, _, _ := copbot(t, "", src, "export", "--community", "console", "--include-removed"); !strings.Contains(all, "goes away") {
		t.Errorf("--include-removed left out the removed tip:\n%s", all)
	}

	dst := []string{"DATABASE_URL=" + dbtest.URL(t)}
	for i := range 2 {
		msg, errOut, code := copbot(t, out, dst, "import")
		if code != 0 {
			t.Fatalf("import %d exited %d: %s", i, code, errOut)
		}
		if want := []string{"imported 2 of 2", "imported 0 of 2"}[i]; !strings.Contains(msg, want) {
			t.Errorf("import %d said %q, want %q", i, msg, want)
		}
	}
	again, _, _ := copbot(t, "", dst, "export", "--community", "console")
	var doc2 exportDoc
	if err := json.Unmarshal([]byte(again), &doc2); err != nil || !reflect.DeepEqual(doc2.Tips, doc.Tips) {
		t.Fatalf("re-export after import = %+v (%v), want %+v", doc2, err, doc)
	}

	md, _, _ := copbot(t, "", src, "export", "--community", "console", "--format", "md")
	for _, want := range []string{"## #ops", "## #testing", "**1.** Quarantine flaky tests"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	csvOut, _, _ := copbot(t, "", src, "export", "--community", "console", "--format", "csv")
	if !strings.HasPrefix(csvOut, "number,text,author,channel,permalink,tags,votes,saved_at\n") || strings.Count(csvOut, "\n") != 3 {
		t.Errorf("csv = %q", csvOut)
	}
	if _, errOut, code := copbot(t, "", src, "export", "--community", "teams:1"); code != 2 || !strings.Contains(errOut, "want slack:") {
		t.Errorf("bad community: exit %d, %s", code, errOut)
	}
}
