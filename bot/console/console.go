package console

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/copbot/copbot/bot"
)

// Host is the member a console session starts as: the console community's
// first member and a facilitator. A workspace made with /workspace starts
// with Host too.
const Host = "host"

// Options tune an Adapter. A nil *Options uses the defaults.
type Options struct {
	// Interactive shows a banner and a prompt, for a person at a terminal.
	// Otherwise each input line is echoed after the prompt, so that the
	// output of a script reads as a transcript.
	Interactive bool
	// Now is the console's clock until a /clock line sets its own
	// (Adapter.Now); default time.Now.
	Now func() time.Time
	// FileDir is where attachments (charts) are written; default a
	// "copbot-files" directory in the system's temporary directory.
	FileDir string
}

// Adapter is the console. It is not safe for concurrent use: one person
// types into it.
type Adapter struct {
	in   io.Reader
	opts Options

	// outMu guards out, and the current workspace (ws, with its member
	// and channel) and the list of workspaces against the job workers
	// whose notices read them; the console's own goroutine is their only
	// writer.
	outMu sync.Mutex
	out   io.Writer
	// ws is the workspace the console acts as (workspace.go); workspaces
	// are those used so far, the first one first.
	ws         *workspace
	workspaces []*workspace
	// held collects what job workers print while an event is being
	// handled, so that it follows the event's replies (a notice can be
	// sent before the core has returned the reply of the command that
	// caused it). Under outMu; nil when no event is in flight.
	held *bytes.Buffer

	run string // makes event and message ids unique across runs
	// messages of every workspace: their ids count across workspaces, so
	// that an id names one message of the transcript.
	messages []message
	seq      int
	files    int // attachments written, under outMu

	// clockMu guards the clock (clock.go), which job workers read through
	// Now; the console's goroutine is its only writer. clockAt is the
	// console's time once clockSet.
	clockMu  sync.Mutex
	clockAt  time.Time
	clockSet bool
}

type message struct {
	id      string
	ws      *workspace
	author  string
	channel string
	text    string
}

var (
	_ bot.Adapter            = (*Adapter)(nil)
	_ bot.Notifier           = (*Adapter)(nil)
	_ bot.ConversationOpener = (*Adapter)(nil)
)

// settler is the core's optional ability to finish an event's background
// work (captures) before the console reads the next line.
type settler interface {
	Settle(ctx context.Context, community bot.CommunityRef) error
}

// New returns a console reading lines from in and writing to out.
func New(in io.Reader, out io.Writer, opts *Options) *Adapter {
	a := &Adapter{in: in, out: out}
	a.ws = newWorkspace(bot.ConsoleCommunityID)
	a.workspaces = []*workspace{a.ws}
	if opts != nil {
		a.opts = *opts
	}
	if a.opts.Now == nil {
		a.opts.Now = time.Now
	}
	if a.opts.FileDir == "" {
		a.opts.FileDir = filepath.Join(os.TempDir(), "copbot-files")
	}
	a.run = strconv.FormatInt(a.opts.Now().UnixNano(), 36)
	return a
}

// Name is the platform name.
func (a *Adapter) Name() string { return string(bot.Console) }

// Run reads lines until the input ends (nil) or ctx is done.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(a.in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()

	if err := a.dispatch(ctx, h, &bot.Event{Kind: bot.MemberJoined}); err != nil {
		return err
	}
	if a.opts.Interactive {
		a.say("copbot console — you are " + Host + ", a facilitator, in #" + a.ws.channel + ".\n")
		a.say("Type a message, /cop help for copbot, /help for console lines; Ctrl-D quits.\n")
	}
	for {
		if a.opts.Interactive {
			a.say(a.prompt())
		}
		select {
		case <-ctx.Done():
			if a.opts.Interactive {
				a.say("\n")
			}
			return nil
		case err := <-readErr:
			if a.opts.Interactive {
				a.say("\n")
			}
			if err != nil {
				return fmt.Errorf("read console input: %w", err)
			}
			return nil
		case line := <-lines:
			if !a.opts.Interactive {
				a.say(a.prompt() + line + "\n")
			}
			if err := a.line(ctx, h, strings.TrimSpace(line)); err != nil {
				if ctx.Err() != nil {
					return nil // interrupted mid-line: the person asked to leave
				}
				return err
			}
		}
	}
}

// prompt says who and where the person is: host #general> in the first
// workspace, host@north #general> in another.
func (a *Adapter) prompt() string {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	return a.ws.user + a.ws.mark() + " #" + a.ws.channel + "> "
}

// line handles one console line. Problems with the line are printed; an
// error is returned only when the core could not record an event.
func (a *Adapter) line(ctx context.Context, h bot.Handler, line string) error {
	if line == "" {
		return nil
	}
	if !strings.HasPrefix(line, "/") {
		a.messages = append(a.messages, message{
			id: "m" + strconv.Itoa(len(a.messages)+1), ws: a.ws, author: a.ws.user, channel: a.ws.channel, text: line,
		})
		a.sayf("[%s]\n", a.messages[len(a.messages)-1].id)
		return nil
	}
	word, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	switch word {
	case "/cop":
		return a.dispatch(ctx, h, &bot.Event{Kind: bot.Command, Text: a.mentions(rest)})
	case "/as":
		name, ok := a.name(rest, "/as <name>")
		if ok {
			a.outMu.Lock()
			a.ws.user = name
			a.outMu.Unlock()
			a.ws.users[name] = true
		}
	case "/join":
		name, ok := a.name(rest, "/join <name>")
		if !ok {
			return nil
		}
		a.ws.users[name] = true
		if a.ws.joined[name] {
			// As on the platforms, a second join is an event too; the
			// community counts the first.
			a.sayf("* %s joined again (copbot counts the first join)\n", name)
		} else {
			a.sayf("* %s joined the community\n", name)
		}
		a.ws.joined[name] = true
		return a.dispatch(ctx, h, &bot.Event{Kind: bot.MemberJoined, User: a.person(name)})
	case "/channel":
		a.moveChannel(rest)
	case "/clock":
		return a.clock(ctx, h, rest)
	case "/workspace":
		return a.workspace(ctx, h, rest)
	case "/react", "/unreact":
		return a.react(ctx, h, word, rest)
	case "/help":
		a.printHelp()
	default:
		a.sayf("! unknown console line %s; /help lists them\n", word)
	}
	return nil
}

// moveChannel handles /channel <name> [private|public]: it moves to the
// channel and, when told, marks it private or public again. A channel
// keeps its mark until told otherwise.
func (a *Adapter) moveChannel(rest string) {
	const usage = "/channel <name> [private|public]"
	fields := strings.Fields(rest)
	if len(fields) == 0 || len(fields) > 2 {
		a.sayf("! usage: %s, e.g. /channel secret private\n", usage)
		return
	}
	name, ok := a.name(strings.TrimPrefix(fields[0], "#"), usage)
	if !ok {
		return
	}
	a.outMu.Lock()
	defer a.outMu.Unlock()
	was := a.ws.private[name]
	if len(fields) == 2 {
		switch mark := strings.ToLower(fields[1]); mark {
		case "private", "public":
			a.ws.private[name] = mark == "private"
		default:
			fmt.Fprintf(a.out, "! a channel is private or public, not “%s”: %s\n", fields[1], usage)
			return
		}
	}
	a.ws.channel = name
	switch now := a.ws.private[name]; {
	case now && !was:
		fmt.Fprintf(a.out, "* #%s is private\n", name)
	case was && !now:
		fmt.Fprintf(a.out, "* #%s is public\n", name)
	}
}

// channelRef is a console channel of the workspace ws as events carry it.
// The caller holds outMu.
func channelRef(ws *workspace, name string) bot.Channel {
	var private bool
	if ws != nil {
		private = ws.private[name]
	}
	return bot.Channel{ID: name, Name: name, Private: private}
}

func (a *Adapter) react(ctx context.Context, h bot.Handler, word, rest string) error {
	fields := strings.Fields(rest)
	if len(fields) != 2 {
		a.sayf("! usage: %s <message id> <emoji>, e.g. %s m1 bulb\n", word, word)
		return nil
	}
	var msg *message
	for i := range a.messages {
		if a.messages[i].id == fields[0] {
			msg = &a.messages[i]
		}
	}
	if msg == nil {
		a.sayf("! there is no message %s\n", fields[0])
		return nil
	}
	if msg.ws != a.ws {
		a.sayf("! %s is a message of workspace %s: /workspace %s first\n", msg.id, msg.ws.name, msg.ws.name)
		return nil
	}
	kind := bot.ReactionAdded
	if word == "/unreact" {
		kind = bot.ReactionRemoved
	}
	a.outMu.Lock()
	channel := channelRef(a.ws, msg.channel)
	a.outMu.Unlock()
	return a.dispatch(ctx, h, &bot.Event{
		Kind:    kind,
		Emoji:   strings.Trim(fields[1], ":"),
		Channel: channel,
		Message: bot.MessageRef{ID: a.run + "." + msg.id, Author: a.person(msg.author), Text: msg.text},
	})
}

// dispatch fills in who, where and when, hands the event to the core and
// prints its replies.
func (a *Adapter) dispatch(ctx context.Context, h bot.Handler, ev *bot.Event) error {
	a.seq++
	ev.ID = a.run + "." + strconv.Itoa(a.seq)
	ev.Community = a.ws.ref()
	if ev.User.ID == "" {
		ev.User = a.person(a.ws.user)
	}
	ev.Time = a.tick()
	a.outMu.Lock()
	if ev.Channel.ID == "" {
		ev.Channel = channelRef(a.ws, a.ws.channel)
	}
	a.held = &bytes.Buffer{}
	a.outMu.Unlock()
	replies, err := h.HandleEvent(ctx, ev)
	a.outMu.Lock()
	held := a.held
	a.held = nil
	a.outMu.Unlock()
	for _, r := range replies {
		a.print(r)
	}
	a.say(held.String())
	if err != nil {
		return fmt.Errorf("console %s event: %w", ev.Kind, err)
	}
	// The event's workspace settles first; then the others, where it may
	// have sent notices too (to a partner community's facilitators).
	if s, ok := h.(settler); ok {
		for _, ws := range a.used() {
			if err := s.Settle(ctx, ws.ref()); err != nil {
				return fmt.Errorf("console %s event: %w", ev.Kind, err)
			}
		}
	}
	return nil
}

func (a *Adapter) person(name string) bot.User {
	return bot.User{ID: name, Name: name, IsAdmin: name == Host}
}

// mentions turns @name of a known console member into the platform mention
// form the parser reads as an id; other @words stay names.
func (a *Adapter) mentions(text string) string {
	words := strings.Fields(text)
	for i, w := range words {
		prefix := ""
		if k, v, ok := strings.Cut(w, ":@"); ok && !strings.ContainsAny(k, `@"`) {
			prefix, w = k+":", "@"+v
		}
		if strings.HasPrefix(w, "@") && a.ws.users[w[1:]] {
			words[i] = prefix + "<@" + w[1:] + ">"
		}
	}
	return strings.Join(words, " ")
}

func (a *Adapter) name(s, usage string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if s == "" || strings.ContainsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.')
	}) {
		a.sayf("! usage: %s (letters, digits, - _ .)\n", usage)
		return "", false
	}
	return s, true
}

func (a *Adapter) printHelp() {
	a.say(`console lines:
  any text                  a message from the current member; copbot prints its id, e.g. [m3]
  /as <name>                act as another member (created on first use)
  /channel <name>           move to another channel
  /channel <name> private   move to a channel and mark it private (public: mark it public again)
  /react <msg id> <emoji>   add a reaction, e.g. /react m3 bulb
  /unreact <msg id> <emoji> remove it
  /join <name>              a new member joins the community
  /cop ...                  any copbot command (/cop help lists them)
  /clock                    the console's time
  /clock <date> [HH:MM]     set it (YYYY-MM-DD, UTC); a script's first line fixes its day
  /clock +<n>d|h|m          move it forward, e.g. /clock +7d, and run what came due by then
  /workspace <name>         act as another workspace from now on (created on first use); /workspace console is the first
  /workspace                the workspace you are in, and those used so far
`)
}

// FindChannel finds a channel of the community's console workspace by
// name: its channels are their names, and exist once named.
func (a *Adapter) FindChannel(_ context.Context, community bot.CommunityRef, name string) (bot.Channel, bool, error) {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	return channelRef(a.lookup(community.ExternalID), name), true, nil
}
