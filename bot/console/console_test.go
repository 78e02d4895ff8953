package console

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copbot/copbot/bot"
)

func TestAdapter_NoticesSayWhereTheyGo(t *testing.T) {
	var out bytes.Buffer
	a := New(strings.NewReader(""), &out, &Options{FileDir: t.TempDir()})
	ctx := context.Background()
	ch, err := a.OpenConversation(ctx, bot.CommunityRef{}, "general", []string{"ada", "bob"}, "mentoring on #testing")
	if err != nil {
		t.Fatal(err)
	}
	notices := []bot.Notice{
		{ChannelID: "general", UserID: "ada", Reply: bot.Reply{Text: bot.Plain("private to ada")}},
		{ChannelID: "general", UserID: Host, Reply: bot.Reply{Text: bot.Plain("private to me")}},
		{ChannelID: ch, Reply: bot.Reply{Text: bot.Plain("hello both"), Visibility: bot.InChannel}},
		{ChannelID: "general", Reply: bot.Reply{Text: bot.Plain("to all here"), Visibility: bot.InChannel}},
		{UserID: "bob", Reply: bot.Reply{Text: bot.Plain("just bob")}},
	}
	for _, n := range notices {
		if err := a.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	want := `* copbot opened #private-ada-bob with ada, bob: mentoring on #testing
copbot (only ada): private to ada
copbot (only you): private to me
copbot in #private-ada-bob: hello both
copbot: to all here
copbot (direct message to bob): just bob
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestAdapter_FilesAreWrittenAndNamed(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	a := New(strings.NewReader(""), &out, &Options{FileDir: dir})
	png := []byte("\x89PNG fake")
	reply := bot.Reply{Text: bot.Plain("chart"), Files: []bot.File{{Name: "../chart.png", Data: png}}}
	a.print(reply)
	a.print(reply)
	for i, name := range []string{"1-chart.png", "2-chart.png"} {
		path := filepath.Join(dir, name)
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, png) {
			t.Errorf("file %d: %q, %v; want the attachment at %s", i, got, err, path)
		}
		if !strings.Contains(out.String(), "[file: "+path+"]") {
			t.Errorf("output does not name %s:\n%s", path, out.String())
		}
	}
}

// A job can send a notice about a command before the core has returned the
// command's reply; the console prints it after the reply all the same.
func TestAdapter_NoticesDuringAnEventFollowItsReplies(t *testing.T) {
	var out bytes.Buffer
	a := New(strings.NewReader("/cop mentor request testing\n"), &out, nil)
	h := bot.HandlerFunc(func(ctx context.Context, ev *bot.Event) ([]bot.Reply, error) {
		if ev.Kind != bot.Command {
			return nil, nil
		}
		ch, _ := a.OpenConversation(ctx, ev.Community, ev.Channel.ID, []string{"ada", Host}, "mentoring")
		a.Notify(ctx, bot.Notice{ChannelID: ch, Reply: bot.Reply{Text: bot.Plain("meet ada"), Visibility: bot.InChannel}})
		return []bot.Reply{{Text: bot.Plain("matched with ada")}}, nil
	})
	if err := a.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	want := `host #general> /cop mentor request testing
copbot (only you): matched with ada
* copbot opened #private-ada-host with ada, host: mentoring
copbot in #private-ada-host: meet ada
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
