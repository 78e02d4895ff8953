package discord

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// The fake's gateway: HELLO, then IDENTIFY (READY and GUILD_CREATE) or
// RESUME (the dispatches the client missed, then RESUMED), heartbeats
// acknowledged, dispatches numbered within the session.

var upgrader = websocket.Upgrader{}

func (f *fakeDiscord) serveGateway(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("encoding") != "json" {
		f.t.Errorf("gateway URL %s lacks encoding=json", r.URL)
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		f.t.Errorf("fake gateway: upgrade: %v", err)
		return
	}
	f.mu.Lock()
	f.conn = conn
	f.mu.Unlock()
	f.write(conn, frame{Op: 10, D: json.RawMessage(`{"heartbeat_interval": 45000}`)})
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var in struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(data, &in); err != nil {
			f.t.Errorf("fake gateway: bad frame %s", data)
			return
		}
		switch in.Op {
		case 1:
			f.write(conn, frame{Op: 11})
		case 2:
			f.identify(conn, in.D)
		case 6:
			f.resume(conn, in.D)
		default:
			f.t.Errorf("fake gateway: unexpected op %d: %s", in.Op, data)
		}
	}
}

func (f *fakeDiscord) identify(conn *websocket.Conn, d json.RawMessage) {
	var id map[string]any
	json.Unmarshal(d, &id)
	intents := int64(id["intents"].(float64))
	f.mu.Lock()
	f.identifies = append(f.identifies, id)
	refused := intents&f.refuse != 0
	f.mu.Unlock()
	if id["token"] != "Bot test-token" {
		f.closeWith(conn, 4004, "Authentication failed.")
		return
	}
	if refused {
		f.closeWith(conn, 4014, "Disallowed intent(s).")
		return
	}
	f.mu.Lock()
	f.sessions++
	f.sessionID = fmt.Sprintf("session-%d", f.sessions)
	f.seq, f.log = 0, nil
	f.mu.Unlock()
	f.Dispatch("READY", fmt.Sprintf(`{"v": 10, "user": {"id": %q, "username": "copbot", "discriminator": "0", "bot": true},
		"guilds": [{"id": %q, "unavailable": true}], "session_id": %q, "resume_gateway_url": "ws://%s/gateway",
		"application": {"id": %q, "flags": 0}}`, appID, guildID, f.sessionID, f.srv.Listener.Addr(), appID))
	f.Dispatch("GUILD_CREATE", guildCreate)
	f.ready <- "identified"
}

func (f *fakeDiscord) resume(conn *websocket.Conn, d json.RawMessage) {
	var r struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	json.Unmarshal(d, &r)
	var raw map[string]any
	json.Unmarshal(d, &raw)
	f.mu.Lock()
	f.resumes = append(f.resumes, raw)
	ok := r.SessionID == f.sessionID && r.Token == "Bot test-token"
	var missed []frame
	for _, fr := range f.log {
		if *fr.S > r.Seq || (f.replayLast && *fr.S == r.Seq) {
			missed = append(missed, fr)
		}
	}
	f.mu.Unlock()
	if !ok {
		f.write(conn, frame{Op: 9, D: json.RawMessage("false")})
		return
	}
	for _, fr := range missed {
		f.write(conn, fr)
	}
	f.Dispatch("RESUMED", `{}`)
	f.ready <- "resumed"
}

// Dispatch sends an event with the session's next sequence number.
func (f *fakeDiscord) Dispatch(typ, data string) int64 {
	f.mu.Lock()
	f.seq++
	s := f.seq
	fr := frame{Op: 0, T: typ, S: &s, D: json.RawMessage(data)}
	if !json.Valid(fr.D) {
		f.mu.Unlock()
		f.t.Fatalf("fake gateway: %s payload is not JSON: %s", typ, data)
	}
	f.log = append(f.log, fr)
	conn := f.conn
	f.mu.Unlock()
	if conn != nil {
		f.write(conn, fr)
	}
	return s
}

func (f *fakeDiscord) write(conn *websocket.Conn, fr frame) {
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	if fr.D == nil {
		fr.D = json.RawMessage("null")
	}
	conn.WriteJSON(fr) // a dropped connection is the test's own doing
}

func (f *fakeDiscord) closeWith(conn *websocket.Conn, code int, text string) {
	f.writeMu.Lock()
	conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	f.writeMu.Unlock()
	conn.Close()
}

// dropConn cuts the connection without a close frame, as a network fault would.
func (f *fakeDiscord) dropConn() {
	f.mu.Lock()
	conn := f.conn
	f.conn = nil
	f.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// waitReady waits for the gateway to say READY (or RESUMED).
func (f *fakeDiscord) waitReady(want string) {
	f.t.Helper()
	select {
	case got := <-f.ready:
		if got != want {
			f.t.Fatalf("gateway %s, want %s", got, want)
		}
	case <-time.After(20 * time.Second):
		f.t.Fatalf("gateway not %s after 20s", want)
	}
}

// guildCreate is the guild copbot sees: everyone may view channels; the
// staff channel denies them; the mod role may manage the server.
var guildCreate = fmt.Sprintf(`{"id": %q, "name": "Testers", "owner_id": %q, "icon": null, "unavailable": false,
	"large": false, "member_count": 3, "joined_at": "2024-01-01T00:00:00.000000+00:00",
	"roles": [
		{"id": %q, "name": "@everyone", "permissions": "1024", "position": 0, "color": 0, "hoist": false, "managed": false, "mentionable": false},
		{"id": %q, "name": "mods", "permissions": "32", "position": 1, "color": 0, "hoist": false, "managed": false, "mentionable": false}
	],
	"channels": [
		{"id": %q, "type": 0, "guild_id": %q, "name": "general", "position": 0, "permission_overwrites": []},
		{"id": %q, "type": 0, "guild_id": %q, "name": "staff", "position": 1,
		 "permission_overwrites": [{"id": %q, "type": 0, "allow": "0", "deny": "1024"}]}
	],
	"threads": [], "members": [], "voice_states": [], "presences": [], "emojis": [], "stickers": [], "features": []}`,
	guildID, ownerID, guildID, adminRole, general, guildID, staff, guildID, guildID)

func member(id, name string, roles ...string) string {
	r, _ := json.Marshal(append([]string{}, roles...))
	return fmt.Sprintf(`{"user": {"id": %q, "username": %q, "global_name": %q, "avatar": null, "discriminator": "0", "bot": false},
		"roles": %s, "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0, "pending": false}`,
		id, name, name, r)
}

func reactionAdd(userID, name, channelID, messageID, emoji string) string {
	return fmt.Sprintf(`{"user_id": %q, "channel_id": %q, "message_id": %q, "guild_id": %q, "emoji": %s,
		"member": %s, "message_author_id": %q, "burst": false, "type": 0}`, userID, channelID, messageID, guildID, emoji, member(userID, name), bobID)
}

func unicodeEmoji(s string) string { return fmt.Sprintf(`{"id": null, "name": %q}`, s) }
func customEmoji(id, name string) string {
	return fmt.Sprintf(`{"id": %q, "name": %q, "animated": false}`, id, name)
}
