package discord

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// apiTransport sends discordgo's REST calls to the configured API base. It
// rewrites the prefix discordgo builds every REST URL from (its
// EndpointAPI, read and never changed) and keeps the rest of the path and
// the query; it refuses every other URL, so no call can leave the base.
// GET /gateway becomes GET /gateway/bot: discordgo asks the former for the
// websocket URL, and a bot should ask the latter (it also says how many
// shards and session starts the bot has).
type apiTransport struct {
	from    string
	to      string
	next    http.RoundTripper
	metrics *metrics
}

func newAPITransport(base string, next http.RoundTripper, m *metrics) (*apiTransport, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("discord API URL %q is not an http(s) URL", base)
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &apiTransport{from: discordgo.EndpointAPI, to: base, next: next, metrics: m}, nil
}

func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	orig := req.URL.String()
	rest, ok := strings.CutPrefix(orig, t.from)
	if !ok {
		if req.Body != nil {
			req.Body.Close()
		}
		// Only the host: the path of a webhook or interaction holds its token.
		return nil, fmt.Errorf("discord: refusing a request outside the API base: %s %s://%s/…", req.Method, req.URL.Scheme, req.URL.Host)
	}
	if path, query, _ := strings.Cut(rest, "?"); req.Method == http.MethodGet && path == "gateway" {
		rest = "gateway/bot"
		if query != "" {
			rest += "?" + query
		}
	}
	u, err := url.Parse(t.to + rest)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("discord: rewrite %s %s: not a URL", req.Method, route(rest))
	}
	out := req.Clone(req.Context())
	out.URL, out.Host = u, u.Host
	resp, err := t.next.RoundTrip(out)
	t.metrics.apiCall(req.Method+" "+route(rest), outcome(resp, err))
	return resp, err
}

// route names a REST call for metrics without its ids and tokens:
// "channels/{id}/messages/{id}", "webhooks/{id}/{token}/messages/@original".
func route(rest string) string {
	path, _, _ := strings.Cut(rest, "?")
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case p == "":
		case isSnowflake(p):
			parts[i] = "{id}"
		case i >= 2 && (parts[i-2] == "webhooks" || parts[i-2] == "interactions"):
			parts[i] = "{token}"
		}
	}
	return strings.Join(parts, "/")
}

func isSnowflake(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func outcome(resp *http.Response, err error) string {
	switch {
	case err != nil:
		return "error"
	case resp.StatusCode == http.StatusTooManyRequests:
		return "rate_limited"
	case resp.StatusCode >= 500:
		return "server_error"
	case resp.StatusCode >= 400:
		return "client_error"
	}
	return "ok"
}
