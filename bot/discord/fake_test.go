package discord

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/copbot/copbot/internal/wait"
	"github.com/gorilla/websocket"
)

// Test fixtures: one guild with a public and a private channel.
const (
	appID     = "110000000000000001"
	guildID   = "100000000000000001"
	ownerID   = "200000000000000009"
	adminRole = "300000000000000001"
	general   = "400000000000000001"
	staff     = "400000000000000002"
	adaID     = "500000000000000001"
	bobID     = "500000000000000002"
	modID     = "500000000000000003"
)

// fakeDiscord is Discord as far as copbot sees it: the REST API under
// /api/v10/ and a gateway websocket, speaking Discord's documented payloads.
// It records every REST request; its cleanup checks that every message
// copbot sent carries "allowed_mentions": {"parse": []}.
type fakeDiscord struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	requests  []fakeRequest
	messages  map[string]string // "channel/message" → message JSON
	limitGets int               // GET message answers 429 this many times first
	gets      int
	// failCallbacks and failEdits: this many interaction callbacks answer
	// 404 Unknown interaction (as after 3 s), and this many edits of an
	// original response 500, first.
	failCallbacks, failEdits int

	// gateway
	refuse     int64 // close with 4014 when IDENTIFY asks for any of these intents
	conn       *websocket.Conn
	writeMu    sync.Mutex
	sessions   int
	sessionID  string
	seq        int64
	log        []frame // dispatches of the current session, for RESUME
	identifies []map[string]any
	resumes    []map[string]any
	replayLast bool // on RESUME, also send again the last dispatch the client saw
	ready      chan string
}

type fakeRequest struct {
	Method, Path string
	Payload      []byte // JSON body, or the payload_json part of a multipart body
	Files        []string
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

func newFakeDiscord(t testing.TB) *fakeDiscord {
	f := &fakeDiscord{t: t, messages: map[string]string{}, ready: make(chan string, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gateway/", f.serveGateway)
	mux.HandleFunc("GET /api/v10/gateway/bot", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		if r.Header.Get("Authorization") != "Bot test-token" {
			http.Error(w, `{"message": "401: Unauthorized", "code": 0}`, http.StatusUnauthorized)
			return
		}
		writeBody(w, http.StatusOK, fmt.Sprintf(`{"url": "ws://%s/gateway", "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}}`, r.Host))
	})
	mux.HandleFunc("GET /api/v10/channels/{c}/messages/{m}", f.getMessage)
	mux.HandleFunc("POST /api/v10/channels/{c}/messages", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		writeBody(w, http.StatusOK, messageJSON("600000000000000900", r.PathValue("c"), appID, "copbot", "sent", true))
	})
	mux.HandleFunc("GET /api/v10/channels/{c}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		writeBody(w, http.StatusNotFound, `{"message": "Unknown Channel", "code": 10003}`)
	})
	mux.HandleFunc("POST /api/v10/users/@me/channels", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			RecipientID string `json:"recipient_id"`
		}
		f.record(r, &body)
		writeBody(w, http.StatusOK, fmt.Sprintf(`{"id": "9%s", "type": 1, "last_message_id": null, "recipients": [{"id": %q, "username": "x", "discriminator": "0"}]}`, body.RecipientID[1:], body.RecipientID))
	})
	mux.HandleFunc("GET /api/v10/guilds/{g}/members/{u}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		switch u := r.PathValue("u"); {
		case r.PathValue("g") == guildID && (u == adaID || u == bobID):
			writeBody(w, http.StatusOK, member(u, "member"+u[len(u)-1:]))
		default:
			writeBody(w, http.StatusNotFound, `{"message": "Unknown Member", "code": 10007}`)
		}
	})
	mux.HandleFunc("POST /api/v10/channels/{c}/threads", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name string `json:"name"`
			Type int    `json:"type"`
		}
		f.record(r, &body)
		writeBody(w, http.StatusCreated, fmt.Sprintf(`{"id": "410000000000000001", "type": %d, "guild_id": %q, "parent_id": %q, "name": %q, "owner_id": %q,
			"thread_metadata": {"archived": false, "auto_archive_duration": 10080, "archive_timestamp": "2024-05-01T12:00:00.000000+00:00", "locked": false, "invitable": false},
			"member_count": 1, "message_count": 0}`, body.Type, guildID, r.PathValue("c"), body.Name, appID))
	})
	mux.HandleFunc("PUT /api/v10/channels/{c}/thread-members/{u}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /api/v10/interactions/{id}/{token}/callback", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		if f.take(&f.failCallbacks) {
			writeBody(w, http.StatusNotFound, `{"message": "Unknown interaction", "code": 10062}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PATCH /api/v10/webhooks/{app}/{token}/messages/{m}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		if f.take(&f.failEdits) {
			writeBody(w, http.StatusInternalServerError, `{"message": "500: Internal Server Error", "code": 0}`)
			return
		}
		writeBody(w, http.StatusOK, messageJSON("600000000000000901", general, appID, "copbot", "edited", true))
	})
	mux.HandleFunc("DELETE /api/v10/webhooks/{app}/{token}/messages/{m}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /api/v10/webhooks/{app}/{token}", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		writeBody(w, http.StatusOK, messageJSON("600000000000000902", general, appID, "copbot", "followed up", true))
	})
	commands := func(w http.ResponseWriter, r *http.Request) {
		var cmds []map[string]any
		f.record(r, &cmds)
		for i, c := range cmds {
			c["id"], c["application_id"], c["version"] = fmt.Sprint(910000000000000000+i), appID, "1"
		}
		b, _ := json.Marshal(cmds)
		writeBody(w, http.StatusOK, string(b))
	}
	mux.HandleFunc("PUT /api/v10/applications/{app}/commands", commands)
	mux.HandleFunc("PUT /api/v10/applications/{app}/guilds/{g}/commands", commands)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.record(r, nil)
		t.Errorf("fake Discord: unexpected %s %s", r.Method, r.URL.Path)
		writeBody(w, http.StatusNotFound, `{"message": "404: Not Found", "code": 0}`)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.dropConn()
		f.srv.Close()
		f.checkAllowedMentions()
	})
	return f
}

// take counts down one of the failure counters, under the lock, and says
// whether this request is to fail.
func (f *fakeDiscord) take(n *int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if *n == 0 {
		return false
	}
	*n--
	return true
}

func (f *fakeDiscord) apiURL() string { return f.srv.URL + "/api/v10/" }

func writeBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// record keeps a request, reading a JSON or multipart body, and decodes
// the JSON payload into into when given.
func (f *fakeDiscord) record(r *http.Request, into any) fakeRequest {
	req := fakeRequest{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/api/v10")}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(p)
			if p.FormName() == "payload_json" {
				req.Payload = data
			} else {
				req.Files = append(req.Files, p.FileName())
			}
		}
	} else {
		req.Payload, _ = io.ReadAll(r.Body)
	}
	if into != nil {
		if err := json.Unmarshal(req.Payload, into); err != nil {
			f.t.Errorf("fake Discord: %s %s: body is not JSON: %v: %s", r.Method, r.URL.Path, err, req.Payload)
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	return req
}

// sent returns the recorded requests whose path starts with prefix.
func (f *fakeDiscord) sent(method, prefix string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// waitSent waits until n requests match, and returns them.
func (f *fakeDiscord) waitSent(method, prefix string, n int) []fakeRequest {
	f.t.Helper()
	var got []fakeRequest
	if !wait.Within(wait.Timeout, func() bool { got = f.sent(method, prefix); return len(got) >= n }) {
		f.t.Fatalf("fake Discord: %d %s %s* requests after %s, want %d", len(got), method, prefix, wait.Timeout, n)
	}
	return got
}

// isMessage says whether a request creates or edits a message (or answers an interaction with one).
func isMessage(r fakeRequest) bool {
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/messages") && strings.HasPrefix(r.Path, "/channels/"):
		return true
	case r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/webhooks/"):
		return true
	case r.Method == http.MethodPatch && strings.HasPrefix(r.Path, "/webhooks/"):
		return true
	case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/callback"):
		return true
	}
	return false
}

// checkAllowedMentions fails the test for any message without an explicit
// empty allowed_mentions.parse list.
func (f *fakeDiscord) checkAllowedMentions() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.requests {
		if !isMessage(r) {
			continue
		}
		payload := r.Payload
		if strings.HasSuffix(r.Path, "/callback") {
			var cb struct {
				Data json.RawMessage `json:"data"`
			}
			if json.Unmarshal(payload, &cb) != nil || cb.Data == nil {
				continue // PONG and deferred updates carry no message
			}
			payload = cb.Data
		}
		if err := checkNoMentions(payload); err != nil {
			f.t.Errorf("%s %s: %v: %s", r.Method, r.Path, err, r.Payload)
		}
	}
}

func checkNoMentions(payload []byte) error {
	var m struct {
		AllowedMentions *struct {
			Parse json.RawMessage `json:"parse"`
		} `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(payload, &m); err != nil {
		return err
	}
	if m.AllowedMentions == nil || string(m.AllowedMentions.Parse) != "[]" {
		return fmt.Errorf("allowed_mentions.parse is not an explicit empty list")
	}
	return nil
}

func (f *fakeDiscord) addMessage(channelID, messageID, authorID, author, content string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.messages[channelID+"/"+messageID] = messageJSON(messageID, channelID, authorID, author, content, false)
}

func messageJSON(id, channelID, authorID, author, content string, bot bool) string {
	c, _ := json.Marshal(content)
	return fmt.Sprintf(`{"id": %q, "channel_id": %q, "type": 0, "content": %s,
		"author": {"id": %q, "username": %q, "global_name": %q, "avatar": null, "discriminator": "0", "public_flags": 0, "bot": %t},
		"timestamp": "2024-05-01T12:00:00.000000+00:00", "edited_timestamp": null, "tts": false, "mention_everyone": false,
		"mentions": [], "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "flags": 0, "components": []}`,
		id, channelID, c, authorID, strings.ToLower(author), author, bot)
}

func (f *fakeDiscord) getMessage(w http.ResponseWriter, r *http.Request) {
	f.record(r, nil)
	if r.Header.Get("Authorization") != "Bot test-token" {
		writeBody(w, http.StatusUnauthorized, `{"message": "401: Unauthorized", "code": 0}`)
		return
	}
	f.mu.Lock()
	f.gets++
	limited := f.limitGets > 0
	if limited {
		f.limitGets--
	}
	msg, ok := f.messages[r.PathValue("c")+"/"+r.PathValue("m")]
	f.mu.Unlock()
	switch {
	case limited:
		w.Header().Set("Retry-After", "1")
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", "0.300")
		w.Header().Set("X-RateLimit-Bucket", "abcd1234")
		w.Header().Set("X-RateLimit-Scope", "user")
		writeBody(w, http.StatusTooManyRequests, `{"message": "You are being rate limited.", "retry_after": 0.3, "global": false}`)
	case !ok:
		writeBody(w, http.StatusNotFound, `{"message": "Unknown Message", "code": 10008}`)
	default:
		writeBody(w, http.StatusOK, msg)
	}
}
