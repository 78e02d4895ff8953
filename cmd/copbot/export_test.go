package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/knowledge"
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

// TestExport_PeoplesTextStaysText: a spreadsheet opening the CSV reads no
// formula from a tip, and a wiki rendering the Markdown shows people's text
// as typed, with no link, image or HTML of theirs.
func TestExport_PeoplesTextStaysText(t *testing.T) {
	tips := []knowledge.ExportedTip{{Number: 1, Text: `=HYPERLINK("https://evil.test","click")`, Author: "@ada",
		Channel: "-general", Permalink: "javascript:alert(1)", Tags: []string{"ops"}, Votes: 1},
		{Number: 2, Text: "[click](https://evil.test) ![x](https://evil.test/x.png) <script>alert(1)</script> **bold** # heading",
			Author: "+bob", Permalink: "https://x.slack.com/archives/C1/p1) [more](https://evil.test"}}
	var csvOut bytes.Buffer
	if err := writeCSV(&csvOut, "console", tips); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		for _, cell := range row[1:6] {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("a cell a spreadsheet would evaluate: %q", cell)
			}
		}
	}
	var md bytes.Buffer
	if err := writeMarkdown(&md, "console", tips); err != nil {
		t.Fatal(err)
	}
	out := md.String()
	for _, bad := range []string{"[click](", "![x](", "<script>", "**bold**", "javascript:", "[more](", "\n# heading"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown holds %q as markup:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, `\[click\]`) || !strings.Contains(out, "[source](https://x.slack.com/archives/C1/p1%29") {
		t.Errorf("markdown = %s; want the text escaped and the permalink kept whole inside its link", out)
	}
	var one bytes.Buffer
	if err := writeMarkdown(&one, "console", tips[:1]); err != nil || !strings.Contains(one.String(), "\n1 tip, exported") {
		t.Errorf("markdown of one tip = %q, %v; want \"1 tip, exported\"", one.String(), err)
	}
}
