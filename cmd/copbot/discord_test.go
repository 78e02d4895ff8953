package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDiscordRegister(t *testing.T) {
	var paths []string
	var body []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		for _, c := range body {
			c["id"] = "910000000000000001"
		}
		json.NewEncoder(w).Encode(body)
	}))
	defer srv.Close()
	setEnv(t, map[string]string{"DISCORD_BOT_TOKEN": "tok", "DISCORD_APP_ID": "11", "DISCORD_API_URL": srv.URL + "/api/v10/",
		"COPBOT_SPOOL_DIR": t.TempDir()})

	var out, errOut bytes.Buffer
	if code := run([]string{"discord", "register", "--guild", "22"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if len(paths) != 1 || paths[0] != "PUT /api/v10/applications/11/guilds/22/commands Bot tok" || body[0]["name"] != "cop" {
		t.Errorf("requests %v, body %v", paths, body)
	}
	if !strings.Contains(out.String(), "registered /cop in guild 22") {
		t.Errorf("output %q", out.String())
	}
	if code := run([]string{"discord", "register"}, nil, &out, &errOut); code != 0 || paths[1] != "PUT /api/v10/applications/11/commands Bot tok" {
		t.Errorf("global registration: exit %d, requests %v", code, paths)
	}
	if code := run([]string{"discord", "unregister"}, nil, &out, &errOut); code != 2 {
		t.Errorf("an unknown discord subcommand exited %d, want 2", code)
	}
	setEnv(t, map[string]string{"DISCORD_PUBLIC_KEY": strings.Repeat("ab", 32), "DISCORD_APP_ID": "11"})
	errOut.Reset()
	if code := run([]string{"discord", "register"}, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "DISCORD_BOT_TOKEN") {
		t.Errorf("without a bot token: exit %d, %s", code, errOut.String())
	}
}
