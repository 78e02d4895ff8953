// Package slackfake is a local Slack for copbot's tests, fault tests and load
// tool: the Web API methods copbot calls, answering with the JSON shapes of
// Slack's documentation (ok, error, messages, response_metadata, …), response
// URLs that record what was posted, file upload URLs, and a Socket Mode
// WebSocket endpoint. Slack is not reachable from the machines copbot is
// built on; this is what it talks to instead.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Message is a message in a channel.
type Message struct {
	TS, ThreadTS, User, Text, BotID, SubType, Username string
}

// User is a member of the workspace, for users.info.
type User struct {
	ID, Name, DisplayName string
	Admin, Owner, Bot     bool
	// Guest is a single-channel guest (is_ultra_restricted); Slack marks
	// every guest is_restricted.
	Guest bool
}

// Post is a message copbot sent: Method is the Web API method or
// "response_url"; the fields are the decoded form (Web API) or JSON (response
// URLs).
type Post struct {
	Method  string
	Path    string
	Channel string
	User    string
	Text    string
	Blocks  string
	JSON    map[string]any
}

// Options tune a Server. A nil *Options uses the defaults.
type Options struct {
	// BotToken and AppToken are the tokens the fake accepts; default
	// "xoxb-test-token" and "xapp-1-test-token".
	BotToken, AppToken string
	// Synthesize, when set, makes up a message that was not added, for load
	// runs where every reaction is on a message of its own: it gets the
	// channel and ts asked for and says whether such a message exists.
	Synthesize func(channel, ts string) (Message, bool)
	// DiscardPosts counts what copbot sends without handing it to Posted,
	// for long runs where nobody reads them.
	DiscardPosts bool
}

// Server is a running fake Slack.
type Server struct {
	opts Options
	srv  *httptest.Server

	mu        sync.Mutex
	messages  map[string][]Message // by channel
	users     map[string]User
	rateLimit map[string]int // method → how many calls answer 429 first
	// failResponses posts to response URLs answer failStatus first.
	failResponses, failStatus int
	calls                     map[string]int // method → calls answered (429s included)
	uploads                   map[string][]byte
	private                   []string
	memberChannels            map[string][]string // user → channels, for users.conversations with a user
	nextID                    int

	posted  chan Post
	sockets chan *websocket.Conn
}

// New starts a fake Slack on a loopback port; Close stops it.
func New(opts *Options) *Server {
	f := &Server{
		messages: map[string][]Message{}, users: map[string]User{},
		rateLimit: map[string]int{}, memberChannels: map[string][]string{}, calls: map[string]int{}, uploads: map[string][]byte{},
		posted: make(chan Post, 1000), sockets: make(chan *websocket.Conn, 4),
	}
	if opts != nil {
		f.opts = *opts
	}
	if f.opts.BotToken == "" {
		f.opts.BotToken = "xoxb-test-token"
	}
	if f.opts.AppToken == "" {
		f.opts.AppToken = "xapp-1-test-token"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", f.api) // slack-go GETs some methods, POSTs most
	mux.HandleFunc("POST /respond/{id}", f.respond)
	mux.HandleFunc("POST /upload/{file}", f.upload)
	mux.HandleFunc("GET /link/", f.socket)
	f.srv = httptest.NewServer(mux)
	return f
}

// Close stops the server.
func (f *Server) Close() { f.srv.Close() }

// APIURL is the Web API base to give copbot (SLACK_API_URL).
func (f *Server) APIURL() string { return f.srv.URL + "/api/" }

// ResponseURL is a response URL as Slack puts in commands and clicks.
func (f *Server) ResponseURL(id string) string { return f.srv.URL + "/respond/" + id }

// AddMessage puts a message in a channel.
func (f *Server) AddMessage(channel string, m Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages[channel] = append(f.messages[channel], m)
}

// AddUser adds a member for users.info.
func (f *Server) AddUser(u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
}

// SetPrivate lists the private channels copbot is in, for users.conversations.
func (f *Server) SetPrivate(channels ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.private = channels
}

// SetMemberChannels says which channels a member is in, for
// users.conversations with a user.
func (f *Server) SetMemberChannels(user string, channels ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.memberChannels[user] = channels
}

// Limit makes the next n calls of method answer 429 with Retry-After: 1.
func (f *Server) Limit(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rateLimit[method] = n
}

// FailResponses makes the next n posts to response URLs answer status
// (404 is Slack's answer for an expired or used-up URL).
func (f *Server) FailResponses(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failResponses, f.failStatus = n, status
}

// Calls is how many calls of method the fake answered, 429s included.
func (f *Server) Calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// Uploads returns the files uploaded so far, by file id.
func (f *Server) Uploads() map[string][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string][]byte, len(f.uploads))
	for k, v := range f.uploads {
		out[k] = v
	}
	return out
}

// NextPost waits for the next message copbot sends.
func (f *Server) NextPost(within time.Duration) (Post, error) {
	select {
	case p := <-f.posted:
		return p, nil
	case <-time.After(within):
		return Post{}, fmt.Errorf("copbot sent nothing to Slack within %s", within)
	}
}

// Posted delivers each post as copbot sends it (up to a buffer of 1,000
// nobody read; Posts keeps them all).
func (f *Server) Posted() <-chan Post { return f.posted }

// Sockets delivers each Socket Mode connection copbot opens, after the
// hello, for the test to drive.
func (f *Server) Sockets() <-chan *websocket.Conn { return f.sockets }

// answer is a Web API response: a status other than 200, or a JSON value.
type answer struct {
	status int
	body   any
}

func ok(fields map[string]any) answer {
	fields["ok"] = true
	return answer{body: fields}
}

func fail(code string) answer { return answer{body: map[string]any{"ok": false, "error": code}} }

func (f *Server) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Decide under the lock, write without it, so that a load run's calls
	// do not queue behind each other's writes.
	a := f.answer(method, r.Form, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	if a.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
		return
	}
	writeJSON(w, a.body)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *Server) answer(method string, form url.Values, bearer string) answer {
	token := form.Get("token")
	if token == "" {
		token = bearer
	}
	want := f.opts.BotToken
	if method == "apps.connections.open" {
		want = f.opts.AppToken
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	if token != want {
		return fail("invalid_auth")
	}
	if f.rateLimit[method] > 0 {
		f.rateLimit[method]--
		return answer{status: http.StatusTooManyRequests}
	}
	switch method {
	case "conversations.history":
		return f.history(form)
	case "conversations.replies":
		return f.replies(form)
	case "chat.getPermalink":
		ts := form.Get("message_ts")
		link := fmt.Sprintf("https://copbot-test.slack.com/archives/%s/p%s", form.Get("channel"), strings.ReplaceAll(ts, ".", ""))
		return ok(map[string]any{"channel": form.Get("channel"), "permalink": link})
	case "users.info":
		u, found := f.users[form.Get("user")]
		if !found {
			return fail("user_not_found")
		}
		return ok(map[string]any{"user": map[string]any{
			"id": u.ID, "team_id": "T1", "name": u.Name, "deleted": false, "real_name": u.Name,
			"is_admin": u.Admin, "is_owner": u.Owner, "is_bot": u.Bot, "is_app_user": false,
			"is_restricted": u.Guest, "is_ultra_restricted": u.Guest,
			"profile": map[string]any{"display_name": u.DisplayName, "real_name": u.Name},
		}})
	case "chat.postMessage", "chat.postEphemeral":
		p := Post{Method: method, Channel: form.Get("channel"), User: form.Get("user"),
			Text: form.Get("text"), Blocks: form.Get("blocks")}
		f.record(p)
		f.nextID++
		ts := fmt.Sprintf("1800000000.%06d", f.nextID)
		if method == "chat.postEphemeral" {
			return ok(map[string]any{"message_ts": ts})
		}
		return ok(map[string]any{"channel": p.Channel, "ts": ts,
			"message": map[string]any{"type": "message", "text": p.Text, "bot_id": "B1", "ts": ts}})
	case "conversations.open":
		users := strings.Split(form.Get("users"), ",")
		id := "D" + users[0]
		if len(users) > 1 {
			id = "G" + strings.Join(users, "")
		}
		return ok(map[string]any{"channel": map[string]any{"id": id}})
	case "files.getUploadURLExternal":
		f.nextID++
		file := fmt.Sprintf("F%d", f.nextID)
		return ok(map[string]any{"upload_url": f.srv.URL + "/upload/" + file, "file_id": file})
	case "files.completeUploadExternal":
		var files []map[string]string
		_ = json.Unmarshal([]byte(form.Get("files")), &files)
		f.record(Post{Method: method, Channel: form.Get("channel_id"), Text: form.Get("files")})
		return ok(map[string]any{"files": files})
	case "users.conversations":
		return f.userConversations(form)
	case "conversations.info":
		id := form.Get("channel")
		private := strings.HasPrefix(id, "G") || strings.HasPrefix(id, "D")
		for _, p := range f.private {
			private = private || p == id
		}
		return ok(map[string]any{"channel": map[string]any{"id": id, "name": strings.ToLower(id),
			"is_channel": !private, "is_group": strings.HasPrefix(id, "G"), "is_im": strings.HasPrefix(id, "D"),
			"is_mpim": false, "is_private": private, "is_member": true}})
	case "apps.connections.open":
		return ok(map[string]any{"url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/link/?ticket=t1&app_id=A1"})
	}
	return fail("unknown_method")
}

// userConversations pages through the private channels one a page, to
// exercise the cursor ("fewer than the requested number of items may be
// returned"). The caller holds mu.
func (f *Server) userConversations(form url.Values) answer {
	if user := form.Get("user"); user != "" {
		var chans []map[string]any
		for _, id := range f.memberChannels[user] {
			chans = append(chans, map[string]any{"id": id, "name": strings.ToLower(id), "is_channel": true, "is_member": true})
		}
		return ok(map[string]any{"channels": append([]map[string]any{}, chans...), "response_metadata": map[string]any{"next_cursor": ""}})
	}
	i, _ := strconv.Atoi(form.Get("cursor"))
	if !strings.Contains(form.Get("types"), "private_channel") || i >= len(f.private) {
		return ok(map[string]any{"channels": []any{}, "response_metadata": map[string]any{"next_cursor": ""}})
	}
	next := ""
	if i+1 < len(f.private) {
		next = strconv.Itoa(i + 1)
	}
	return ok(map[string]any{"channels": []map[string]any{{"id": f.private[i], "name": "secret", "is_channel": true,
		"is_group": false, "is_private": true, "is_member": true}}, "response_metadata": map[string]any{"next_cursor": next}})
}

// record hands a post to Posted, or only counts it; the caller holds mu.
func (f *Server) record(p Post) {
	if f.opts.DiscardPosts {
		return
	}
	select {
	case f.posted <- p:
	default: // nobody waits for posts
	}
}

func (f *Server) respond(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	text, _ := body["text"].(string)
	blocks, _ := json.Marshal(body["blocks"])
	f.mu.Lock()
	f.calls["response_url"]++
	if f.failResponses > 0 {
		f.failResponses--
		status := f.failStatus
		f.mu.Unlock()
		http.Error(w, http.StatusText(status), status) // Slack answers 404 "expired_url", 500 "internal_error"
		return
	}
	f.record(Post{Method: "response_url", Path: r.URL.Path, Text: text, Blocks: string(blocks), JSON: body})
	f.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (f *Server) upload(w http.ResponseWriter, r *http.Request) {
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
func (f *Server) socket(w http.ResponseWriter, r *http.Request) {
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
