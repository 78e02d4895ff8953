package slack

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Tokens the fake Web API accepts.
const (
	testBotToken = "xoxb-test-token"
	testAppToken = "xapp-1-test-token"
)

// fakeSlack is a local Slack: the Web API methods copbot calls, answering
// with the JSON shapes of Slack's documentation (ok, error, messages,
// response_metadata, …); response URLs that record what was posted; file
// upload URLs; and a Socket Mode WebSocket endpoint.
type fakeSlack struct {
	tb  testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	messages  map[string][]fakeMessage // by channel
	users     map[string]fakeUser
	rateLimit map[string]int // method → how many calls answer 429 first
	calls     map[string]int // method → calls answered (429s included)
	posts     []fakePost     // chat.postMessage, chat.postEphemeral, response URLs
	uploads   map[string][]byte
	nextID    int
	// private lists the private channels copbot is in, for users.conversations.
	private []string

	posted  chan fakePost        // every post, as it happens
	sockets chan *websocket.Conn // Socket Mode connections, for the test to drive
}

type fakeMessage struct {
	TS, ThreadTS, User, Text, BotID, SubType, Username string
}

type fakeUser struct {
	ID, Name, DisplayName string
	Admin, Owner, Bot     bool
}

// fakePost is a message copbot sent: Method is the Web API method or
// "response_url"; Body is the decoded JSON (response URLs) or form.
type fakePost struct {
	Method  string
	Path    string
	Channel string
	User    string
	Text    string
	Blocks  string
	JSON    map[string]any
}

func newFakeSlack(tb testing.TB) *fakeSlack {
	f := &fakeSlack{
		tb: tb, messages: map[string][]fakeMessage{}, users: map[string]fakeUser{},
		rateLimit: map[string]int{}, calls: map[string]int{}, uploads: map[string][]byte{},
		posted: make(chan fakePost, 100), sockets: make(chan *websocket.Conn, 4),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", f.api) // slack-go GETs some methods, POSTs most
	mux.HandleFunc("POST /respond/{id}", f.respond)
	mux.HandleFunc("POST /upload/{file}", f.upload)
	mux.HandleFunc("GET /link/", f.socket)
	f.srv = httptest.NewServer(mux)
	tb.Cleanup(f.srv.Close)
	return f
}

// APIURL is the Web API base to give the adapter.
func (f *fakeSlack) APIURL() string { return f.srv.URL + "/api/" }

// ResponseURL is a response URL as Slack puts in commands and clicks.
func (f *fakeSlack) ResponseURL(id string) string { return f.srv.URL + "/respond/" + id }

func (f *fakeSlack) addMessage(channel string, m fakeMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages[channel] = append(f.messages[channel], m)
}

func (f *fakeSlack) addUser(u fakeUser) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
}

func (f *fakeSlack) limit(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rateLimit[method] = n
}

func (f *fakeSlack) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// nextPost waits for the next message copbot sends.
func (f *fakeSlack) nextPost(tb testing.TB, within time.Duration) fakePost {
	tb.Helper()
	select {
	case p := <-f.posted:
		return p
	case <-time.After(within):
		tb.Fatalf("copbot sent nothing to Slack within %s", within)
		return fakePost{}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeSlack) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	token := r.Form.Get("token")
	if token == "" {
		token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	want := testBotToken
	if method == "apps.connections.open" {
		want = testAppToken
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	if token != want {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	if f.rateLimit[method] > 0 {
		f.rateLimit[method]--
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
		return
	}
	form := r.Form
	switch method {
	case "conversations.history":
		f.history(w, form)
	case "conversations.replies":
		f.replies(w, form)
	case "chat.getPermalink":
		ts := form.Get("message_ts")
		link := fmt.Sprintf("https://copbot-test.slack.com/archives/%s/p%s", form.Get("channel"), strings.ReplaceAll(ts, ".", ""))
		writeJSON(w, map[string]any{"ok": true, "channel": form.Get("channel"), "permalink": link})
	case "users.info":
		u, ok := f.users[form.Get("user")]
		if !ok {
			writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
			"id": u.ID, "team_id": "T1", "name": u.Name, "deleted": false, "real_name": u.Name,
			"is_admin": u.Admin, "is_owner": u.Owner, "is_bot": u.Bot, "is_app_user": false,
			"profile": map[string]any{"display_name": u.DisplayName, "real_name": u.Name},
		}})
	case "chat.postMessage", "chat.postEphemeral":
		p := fakePost{Method: method, Channel: form.Get("channel"), User: form.Get("user"),
			Text: form.Get("text"), Blocks: form.Get("blocks")}
		f.record(p)
		f.nextID++
		ts := fmt.Sprintf("1800000000.%06d", f.nextID)
		if method == "chat.postEphemeral" {
			writeJSON(w, map[string]any{"ok": true, "message_ts": ts})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": ts,
			"message": map[string]any{"type": "message", "text": p.Text, "bot_id": "B1", "ts": ts}})
	case "conversations.open":
		users := strings.Split(form.Get("users"), ",")
		id := "D" + users[0]
		if len(users) > 1 {
			id = "G" + strings.Join(users, "")
		}
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": id}})
	case "files.getUploadURLExternal":
		f.nextID++
		file := fmt.Sprintf("F%d", f.nextID)
		writeJSON(w, map[string]any{"ok": true, "upload_url": f.srv.URL + "/upload/" + file, "file_id": file})
	case "files.completeUploadExternal":
		var files []map[string]string
		_ = json.Unmarshal([]byte(form.Get("files")), &files)
		f.record(fakePost{Method: method, Channel: form.Get("channel_id"), Text: form.Get("files")})
		writeJSON(w, map[string]any{"ok": true, "files": files})
	case "users.conversations":
		// One channel a page, to exercise the cursor ("fewer than the
		// requested number of items may be returned").
		i, _ := strconv.Atoi(form.Get("cursor"))
		if !strings.Contains(form.Get("types"), "private_channel") || i >= len(f.private) {
			writeJSON(w, map[string]any{"ok": true, "channels": []any{}, "response_metadata": map[string]any{"next_cursor": ""}})
			return
		}
		next := ""
		if i+1 < len(f.private) {
			next = strconv.Itoa(i + 1)
		}
		writeJSON(w, map[string]any{"ok": true, "channels": []map[string]any{{"id": f.private[i], "name": "secret", "is_channel": true,
			"is_group": false, "is_private": true, "is_member": true}}, "response_metadata": map[string]any{"next_cursor": next}})
	case "apps.connections.open":
		writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/link/?ticket=t1&app_id=A1"})
	default:
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// record keeps a post; the caller holds mu.
func (f *fakeSlack) record(p fakePost) {
	f.posts = append(f.posts, p)
	select {
	case f.posted <- p:
	default:
		f.tb.Errorf("fake Slack: too many posts nobody read")
	}
}

func tsLess(a, b string) bool {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	ai, _ := strconv.ParseInt(as, 10, 64)
	bi, _ := strconv.ParseInt(bs, 10, 64)
	if ai != bi {
		return ai < bi
	}
	return af < bf
}

// inRange applies oldest, latest and inclusive as Slack documents them.
func inRange(ts string, form url.Values) bool {
	incl := form.Get("inclusive") == "1" || form.Get("inclusive") == "true"
	if o := form.Get("oldest"); o != "" && (tsLess(ts, o) || (!incl && ts == o)) {
		return false
	}
	if l := form.Get("latest"); l != "" && (tsLess(l, ts) || (!incl && ts == l)) {
		return false
	}
	return true
}

func (m fakeMessage) json() map[string]any {
	v := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
	if m.User != "" {
		v["user"] = m.User
	}
	if m.ThreadTS != "" {
		v["thread_ts"] = m.ThreadTS
	}
	if m.BotID != "" {
		v["bot_id"] = m.BotID
	}
	if m.SubType != "" {
		v["subtype"] = m.SubType
	}
	if m.Username != "" {
		v["username"] = m.Username
	}
	return v
}

func limitOf(form url.Values, def int) int {
	if n, err := strconv.Atoi(form.Get("limit")); err == nil && n > 0 {
		return n
	}
	return def
}

// history returns a channel's main history, newest first: messages that
// are not thread replies.
func (f *fakeSlack) history(w http.ResponseWriter, form url.Values) {
	msgs, ok := f.messages[form.Get("channel")]
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	var out []map[string]any
	sorted := append([]fakeMessage(nil), msgs...)
	sort.Slice(sorted, func(i, j int) bool { return tsLess(sorted[j].TS, sorted[i].TS) })
	for _, m := range sorted {
		if (m.ThreadTS == "" || m.ThreadTS == m.TS) && inRange(m.TS, form) && len(out) < limitOf(form, 100) {
			out = append(out, m.json())
		}
	}
	writeJSON(w, map[string]any{"ok": true, "messages": out, "has_more": false, "pin_count": 0,
		"response_metadata": map[string]any{"next_cursor": ""}})
}

// replies returns a thread, oldest first: given a parent's ts the parent
// and its replies in range; given a reply's ts, that reply alone.
func (f *fakeSlack) replies(w http.ResponseWriter, form url.Values) {
	msgs := f.messages[form.Get("channel")]
	ts := form.Get("ts")
	var target *fakeMessage
	for i := range msgs {
		if msgs[i].TS == ts {
			target = &msgs[i]
		}
	}
	if target == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	out := []map[string]any{target.json()}
	if target.ThreadTS == "" || target.ThreadTS == target.TS {
		var thread []fakeMessage
		for _, m := range msgs {
			if m.ThreadTS == ts && m.TS != ts && inRange(m.TS, form) {
				thread = append(thread, m)
			}
		}
		sort.Slice(thread, func(i, j int) bool { return tsLess(thread[i].TS, thread[j].TS) })
		for _, m := range thread {
			if len(out) < limitOf(form, 1000) {
				out = append(out, m.json())
			}
		}
	}
	writeJSON(w, map[string]any{"ok": true, "messages": out, "has_more": false,
		"response_metadata": map[string]any{"next_cursor": ""}})
}

func (f *fakeSlack) respond(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	text, _ := body["text"].(string)
	blocks, _ := json.Marshal(body["blocks"])
	f.mu.Lock()
	f.record(fakePost{Method: "response_url", Path: r.URL.Path, Text: text, Blocks: string(blocks), JSON: body})
	f.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (f *fakeSlack) upload(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	data, _ := io.ReadAll(file)
	f.mu.Lock()
	f.uploads[r.PathValue("file")] = data
	f.mu.Unlock()
	_, _ = fmt.Fprintf(w, "OK - %d", len(data))
}

// socket accepts a Socket Mode connection, says hello as Slack does, and
// hands the connection to the test.
func (f *fakeSlack) socket(w http.ResponseWriter, r *http.Request) {
	// slack-go dials with the Origin Slack's own clients use.
	up := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "https://api.slack.com" }}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	hello := map[string]any{"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": "A1"}}
	if err := conn.WriteJSON(hello); err != nil {
		conn.Close()
		return
	}
	f.sockets <- conn
}
