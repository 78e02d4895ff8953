package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/reqtest"
)

// TestServe_AdminListener: with COPBOT_ADMIN_ADDR, health, readiness,
// metrics and (only with COPBOT_PPROF) profiles are served there and not on
// the public listener, which keeps Slack's routes.
func TestServe_AdminListener(t *testing.T) {
	for _, pprof := range []bool{false, true} {
		name := "WithoutProfiles"
		if pprof {
			name = "WithProfiles"
		}
		t.Run(name, func(t *testing.T) {
			admin := freeAddr(t)
			env := []string{"DATABASE_URL=" + dbtest.URL(t), "COPBOT_ADMIN_ADDR=" + admin,
				"SLACK_BOT_TOKEN=xoxb-admin-test", "SLACK_SIGNING_SECRET=admin-test-secret", "SLACK_API_URL=http://127.0.0.1:9/api/"}
			if pprof {
				env = append(env, "COPBOT_PPROF=true")
			}
			addr, stop := startServe(t, env...)
			profile := http.StatusNotFound
			if pprof {
				profile = http.StatusOK
			}
			for _, tc := range []struct {
				method, url string
				want        int
			}{
				{"GET", "http://" + admin + "/healthz", http.StatusOK},
				{"GET", "http://" + admin + "/readyz", http.StatusOK},
				{"GET", "http://" + admin + "/metrics", http.StatusOK},
				{"GET", "http://" + admin + "/debug/pprof/heap?debug=1", profile},
				{"GET", "http://" + admin + "/debug/pprof/cmdline", profile},
				{"GET", "http://" + admin + "/debug/pprof/profile?seconds=1", profile},
				{"POST", "http://" + admin + "/slack/events", http.StatusNotFound},
				{"GET", "http://" + addr + "/healthz", http.StatusNotFound},
				{"GET", "http://" + addr + "/readyz", http.StatusNotFound},
				{"GET", "http://" + addr + "/metrics", http.StatusNotFound},
				{"GET", "http://" + addr + "/debug/pprof/", http.StatusNotFound},
				{"POST", "http://" + addr + "/slack/events", http.StatusUnauthorized}, // there, and unsigned
			} {
				req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader("{}"))
				status, body := reqtest.Do(t, req)
				if status != tc.want {
					t.Errorf("%s %s = %d; want %d\n%s", tc.method, tc.url, status, tc.want, body)
				}
				if strings.HasSuffix(tc.url, "/metrics") && status == http.StatusOK && !strings.Contains(body, "go_goroutines") {
					t.Errorf("admin /metrics lacks the runtime's figures:\n%s", body)
				}
			}
			if stderr, err := stop(); err != nil {
				t.Errorf("copbot serve after SIGTERM: %v\nstderr: %s", err, stderr)
			}
		})
	}
}
