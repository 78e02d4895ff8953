package knowledge_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/copbot/copbot/knowledge"
)

// asFile passes tips through the JSON of an export file.
func asFile(t *testing.T, tips []knowledge.ExportedTip) []knowledge.ExportedTip {
	t.Helper()
	raw, err := json.Marshal(tips)
	if err != nil {
		t.Fatal(err)
	}
	var out []knowledge.ExportedTip
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func exportAll(t *testing.T, p *practice) []knowledge.ExportedTip {
	t.Helper()
	tips, err := p.s.ExportTips(context.Background(), p.c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	return tips
}

func importTips(t *testing.T, p *practice, tips []knowledge.ExportedTip) knowledge.ImportSummary {
	t.Helper()
	sum, err := p.s.ImportTips(context.Background(), p.c.ID, tips)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func saveTips(t *testing.T, p *practice, author string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if _, err := p.s.SaveTip(context.Background(), p.member(t, author), knowledge.NewTip{Text: text, ChannelID: "C1", ChannelName: "general"}); err != nil {
			t.Fatal(err)
		}
	}
}

// texts returns a community's saved tips' texts by number, removed ones
// included.
func textsByNumber(t *testing.T, p *practice) map[int]string {
	t.Helper()
	out := map[int]string{}
	for _, tip := range exportAll(t, p) {
		out[tip.Number] = tip.Text
	}
	return out
}

// An export with removed tips, imported into an empty database, gives back
// the same repository: numbers, text, authors linked to members, tags,
// votes, where each tip came from, and which tips left and why.
func TestStore_ExportImport_RoundTrip(t *testing.T) {
	ctx := context.Background()
	p := newPractice(t, newStore(t), "slack", "T1")
	saveTips(t, p, "ada", "Pin the flaky tests #testing")
	p.react(t, "E1", "bob", "M1", true)
	p.react(t, "E2", "cy", "M1", true)
	p.drain(t)
	voted := p.capture(t, p.queued(t)[0], "Runbooks beat heroics #ops", "dee")
	saveTips(t, p, "ada", "Gone soon")
	if _, err := p.s.RemoveTip(ctx, p.member(t, "ada"), 3); err != nil {
		t.Fatal(err)
	}
	p.react(t, "E3", "bob", "M2", true)
	p.drain(t)
	p.capture(t, p.queued(t)[0], "Taken back by its only voter", "eve")
	p.react(t, "E4", "bob", "M2", false)
	p.drain(t)

	file := asFile(t, exportAll(t, p))
	if len(file) != 4 || !file[2].Removed || file[2].RemovedReason != "removed" || file[3].RemovedReason != "unvoted" ||
		file[1].AuthorID != "U-dee" || file[1].SourceMessage == "" || file[1].Votes != 2 {
		t.Fatalf("export = %+v; want 4 tips, 3 removed and 4 unvoted, 2 by U-dee from its message with 2 votes", file)
	}

	d := newPractice(t, newStore(t), "slack", "T1") // another database
	sum := importTips(t, d, file)
	if want := (knowledge.ImportSummary{Tips: 4, Created: 4}); !reflect.DeepEqual(sum, want) {
		t.Fatalf("import = %+v, want %+v", sum, want)
	}
	back := asFile(t, exportAll(t, d))
	if !reflect.DeepEqual(back, file) {
		t.Fatalf("round trip =\n%+v\nwant\n%+v", back, file)
	}

	for number, reason := range map[int]string{3: "removed", 4: "unvoted"} {
		if tip := d.tip(t, number); tip.RemovedAt == nil || tip.RemovedReason != reason {
			t.Errorf("imported tip %d: removed %v (%q), want %q", number, tip.RemovedAt, tip.RemovedReason, reason)
		}
	}
	if visible, _ := d.s.ExportTips(ctx, d.c.ID, false); len(visible) != 2 {
		t.Errorf("%d imported tips visible, want 2 (the removed ones stay out)", len(visible))
	}
	if found, _, err := d.s.Search(ctx, d.c.ID, knowledge.SearchQuery{Words: "gone", Limit: 10}); err != nil || len(found) != 0 {
		t.Errorf("search for the removed tip = %+v, %v", found, err)
	}
	tip := d.tip(t, 2)
	if dee := d.member(t, "dee"); tip.AuthorID == nil || *tip.AuthorID != dee.ID || tip.AuthorName != "dee" {
		t.Errorf("tip 2's author = %v %q, want member %d (U-dee)", tip.AuthorID, tip.AuthorName, dee.ID)
	}
	if tip.Votes != voted.Votes || tip.SourceMessage != voted.SourceMessage || tip.Permalink != voted.Permalink ||
		tip.ChannelID != voted.ChannelID || !slices.Equal(tip.Tags, []string{"ops"}) {
		t.Errorf("tip 2 = %+v, want as %+v", tip, voted)
	}
	if ada := d.tip(t, 1); ada.AuthorID == nil || *ada.AuthorID != d.member(t, "ada").ID || ada.ChannelName != "general" || ada.ChannelID != "C1" {
		t.Errorf("tip 1 = %+v, want by ada in #general", ada)
	}
	next, err := d.s.SaveTip(ctx, d.member(t, "bob"), knowledge.NewTip{Text: "A new tip after import"})
	if err != nil || next.Number != 5 {
		t.Fatalf("next tip after import = %d, %v; want number 5", next.Number, err)
	}
}

// An import into a community that has tips keeps every tip of the file:
// those whose numbers are taken are renumbered, and the summary says from
// what to what. The same file again changes nothing, nor does an older
// export of it without the fields that say where a tip came from.
func TestStore_ExportImport_IntoACommunityWithTips(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	src := newPractice(t, s, "slack", "T1")
	saveTips(t, src, "ada", "Pin the flaky tests #testing", "Write runbooks #ops", "Pair on the first bug fix")
	src.react(t, "E1", "bob", "M1", true)
	src.drain(t)
	src.capture(t, src.queued(t)[0], "Ask in public channels", "cy")
	file := asFile(t, exportAll(t, src))

	d := newPractice(t, s, "slack", "T2")
	saveTips(t, d, "bob", "Our own first tip", "Our own second tip")
	sum := importTips(t, d, file)
	want := knowledge.ImportSummary{Tips: 4, Created: 4, Renumbered: []knowledge.Renumbering{{From: 1, To: 5}, {From: 2, To: 6}}}
	if !reflect.DeepEqual(sum, want) {
		t.Fatalf("import = %+v, want %+v", sum, want)
	}
	wantTexts := map[int]string{1: "Our own first tip", 2: "Our own second tip", 3: "Pair on the first bug fix",
		4: "Ask in public channels", 5: "Pin the flaky tests #testing", 6: "Write runbooks #ops"}
	if got := textsByNumber(t, d); !reflect.DeepEqual(got, wantTexts) {
		t.Fatalf("tips after import = %v, want %v", got, wantTexts)
	}

	again := importTips(t, d, file)
	want = knowledge.ImportSummary{Tips: 4, Same: []knowledge.SameTip{{1, 5}, {2, 6}, {3, 3}, {4, 4}}}
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("second import = %+v, want %+v", again, want)
	}
	old := make([]knowledge.ExportedTip, len(file))
	for i, tip := range file {
		old[i] = knowledge.ExportedTip{Number: tip.Number, Text: tip.Text, Author: tip.Author, Channel: tip.Channel,
			Permalink: tip.Permalink, Tags: tip.Tags, Votes: tip.Votes, SavedAt: tip.SavedAt}
	}
	if again := importTips(t, d, old); again.Created != 0 || len(again.Same) != 4 {
		t.Fatalf("import of the file without source fields = %+v, want the 4 tips found", again)
	}
	if got := textsByNumber(t, d); !reflect.DeepEqual(got, wantTexts) {
		t.Fatalf("tips after importing again = %v, want %v", got, wantTexts)
	}
	next, err := d.s.SaveTip(ctx, d.member(t, "bob"), knowledge.NewTip{Text: "A new tip after imports"})
	if err != nil || next.Number != 7 {
		t.Fatalf("next tip = %d, %v; want number 7", next.Number, err)
	}

	// The same tips twice in one file are one tip; a number used twice in
	// it is renumbered the second time.
	dup := asFile(t, []knowledge.ExportedTip{
		{Number: 1, Text: "Twice in the file", Author: "eve", AuthorID: "U-eve", SavedAt: file[0].SavedAt},
		{Number: 1, Text: "Twice in the file", Author: "eve", AuthorID: "U-eve", SavedAt: file[0].SavedAt},
		{Number: 1, Text: "Another with number one", Author: "eve", SavedAt: file[0].SavedAt},
		{Number: 3, Text: "Another with number one", Author: "eve", SavedAt: file[0].SavedAt},
	})
	e := newPractice(t, s, "slack", "T3")
	want = knowledge.ImportSummary{Tips: 4, Created: 2, Renumbered: []knowledge.Renumbering{{From: 1, To: 2}},
		Same: []knowledge.SameTip{{1, 1}, {3, 2}}}
	if sum := importTips(t, e, dup); !reflect.DeepEqual(sum, want) {
		t.Fatalf("import of a file with a tip twice = %+v, want %+v", sum, want)
	}

	// One bad tip imports none.
	bad := []knowledge.ExportedTip{{Number: 9, Text: "fine tip"}, {Number: 10, Text: "fine too", Removed: true, RemovedReason: "lost"}}
	var inv *knowledge.InvalidError
	if _, err := d.s.ImportTips(ctx, d.c.ID, bad); !errors.As(err, &inv) {
		t.Fatalf("bad import err = %v, want InvalidError", err)
	}
	if got := textsByNumber(t, d); len(got) != 7 {
		t.Fatalf("a rejected import wrote tips: %v", got)
	}
}

// An import racing live saves in the same community loses no tip of
// either, and every number is used once.
func TestStore_ExportImport_RacingSaves(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	src := newPractice(t, s, "slack", "T-src")
	var texts []string
	for i := range 40 {
		texts = append(texts, fmt.Sprintf("Imported tip number %d", i+1))
	}
	saveTips(t, src, "ada", texts...)
	file := asFile(t, exportAll(t, src))

	const savers, each = 6, 5
	for round := range 4 {
		d := newPractice(t, s, "slack", fmt.Sprintf("T-race-%d", round))
		members := make([]knowledge.Member, savers)
		for i := range members {
			members[i] = d.member(t, fmt.Sprintf("saver%d", i))
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, savers*each+1)
		var sum knowledge.ImportSummary
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var err error
			sum, err = s.ImportTips(ctx, d.c.ID, file)
			errs <- err
		}()
		for i, m := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for j := range each {
					_, err := s.SaveTip(ctx, m, knowledge.NewTip{Text: fmt.Sprintf("Live tip %d of saver %d", j, i)})
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if sum.Created != len(file) || len(sum.Same) != 0 {
			t.Fatalf("round %d: import = %+v, want all %d tips created", round, sum, len(file))
		}
		tips := exportAll(t, d)
		count := map[string]int{}
		var numbers []int
		for _, tip := range tips {
			count[tip.Text]++
			numbers = append(numbers, tip.Number)
		}
		for _, text := range texts {
			if count[text] != 1 {
				t.Errorf("round %d: %q is there %d times, want once", round, text, count[text])
			}
		}
		for i := range savers {
			for j := range each {
				if text := fmt.Sprintf("Live tip %d of saver %d", j, i); count[text] != 1 {
					t.Errorf("round %d: %q is there %d times, want once", round, text, count[text])
				}
			}
		}
		// Numbers come from one counter: 1 to the number of tips, each once.
		for i, n := range numbers {
			if n != i+1 {
				t.Fatalf("round %d: numbers %v, want 1 to %d", round, numbers, len(tips))
			}
		}
		if len(tips) != len(file)+savers*each {
			t.Fatalf("round %d: %d tips, want %d", round, len(tips), len(file)+savers*each)
		}
	}
}

// An import whose authors are new here, racing captures of messages by the
// same people, links every tip to one member per person and loses none.
func TestStore_ExportImport_RacingCaptures(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const people = 8
	for round := range 3 {
		d := newPractice(t, s, "slack", fmt.Sprintf("T-capture-%d", round))
		for i := range people {
			d.react(t, fmt.Sprintf("E%d", i), "voter", fmt.Sprintf("M%d", i), true)
		}
		d.drain(t)
		items := d.queued(t)
		var file []knowledge.ExportedTip
		for i := range people {
			file = append(file, knowledge.ExportedTip{Number: i + 1, Text: fmt.Sprintf("Imported tip by person %d", i),
				Author: fmt.Sprintf("new%d", i), AuthorID: fmt.Sprintf("U-new%d", i), Votes: 1})
		}
		start := make(chan struct{})
		errs := make(chan error, len(items)+1)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.ImportTips(ctx, d.c.ID, file)
			errs <- err
		}()
		for i, it := range items {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.CompleteCaptures(ctx, []knowledge.Captured{{Item: it, Message: knowledge.Message{
					Text: fmt.Sprintf("Captured tip %s", it.MessageID), AuthorID: fmt.Sprintf("U-new%d", (i+round)%people),
					AuthorName: fmt.Sprintf("new%d", (i+round)%people)}}})
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		tips := exportAll(t, d)
		if len(tips) != 2*people {
			t.Fatalf("round %d: %d tips, want %d: %+v", round, len(tips), 2*people, tips)
		}
		authors := map[string]int64{}
		for i, tip := range tips {
			full := d.tip(t, tip.Number)
			if tip.Number != i+1 || full.AuthorID == nil || tip.AuthorID != "U-"+tip.Author {
				t.Fatalf("round %d: tip %+v (author %v)", round, tip, full.AuthorID)
			}
			if id, ok := authors[tip.AuthorID]; ok && id != *full.AuthorID {
				t.Fatalf("round %d: %s is two members, %d and %d", round, tip.AuthorID, id, *full.AuthorID)
			}
			authors[tip.AuthorID] = *full.AuthorID
		}
		if len(authors) != people {
			t.Fatalf("round %d: authors %v, want %d people", round, authors, people)
		}
	}
}
