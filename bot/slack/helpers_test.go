package slack

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/commands"
	"github.com/copbot/copbot/internal/dbtest"
	"github.com/copbot/copbot/internal/loadgen"
	"github.com/copbot/copbot/internal/reqtest"
	"github.com/copbot/copbot/internal/slackfake"
	"github.com/copbot/copbot/internal/storetest"
	"github.com/copbot/copbot/internal/testlog"
	"github.com/copbot/copbot/knowledge"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// harness is copbot's Slack side wired as `copbot serve` wires it: the
// adapter's routes on an HTTP server, a real core over a real database,
// and the fake Slack it talks to.
type harness struct {
	slack   *slackfake.Server
	adapter *Adapter
	core    *commands.Core
	store   *knowledge.Store
	pool    *pgxpool.Pool
	srv     *httptest.Server
	logs    *testlog.Buffer
}

type harnessOpts struct {
	pool    *pgxpool.Pool
	options Options
	wrap    func(bot.Handler) bot.Handler
}

func newHarness(tb testing.TB, ho *harnessOpts) *harness {
	tb.Helper()
	if ho == nil {
		ho = &harnessOpts{}
	}
	h := &harness{slack: newFakeSlack(tb), logs: &testlog.Buffer{}, pool: ho.pool}
	if h.pool == nil {
		h.pool = dbtest.Pool(tb)
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := ho.options
	opts.APIURL = h.slack.APIURL()
	if opts.SigningSecret == "" && opts.AppToken == "" {
		opts.SigningSecret = testSecret
	}
	a, err := New(testBotToken, &opts, log)
	if err != nil {
		tb.Fatal(err)
	}
	h.adapter = a
	h.store, err = knowledge.NewStore(h.pool, log)
	if err != nil {
		tb.Fatal(err)
	}
	h.core = commands.NewCore(h.store, log, a)
	var handler bot.Handler = h.core
	if ho.wrap != nil {
		handler = ho.wrap(handler)
	}
	mux := http.NewServeMux()
	a.Routes(mux, handler)
	h.srv = httptest.NewServer(mux)
	tb.Cleanup(h.srv.Close)
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("copbot's log:\n%s", h.logs.String())
		}
	})
	return h
}

// Tokens the fake Web API accepts.
const (
	testBotToken = "xoxb-test-token"
	testAppToken = "xapp-1-test-token"
)

// newFakeSlack starts a fake Slack (internal/slackfake) for the test.
func newFakeSlack(tb testing.TB) *slackfake.Server {
	f := slackfake.New(&slackfake.Options{BotToken: testBotToken, AppToken: testAppToken})
	tb.Cleanup(f.Close)
	return f
}

// nextPost waits for the next message copbot sends to the fake.
func nextPost(tb testing.TB, f *slackfake.Server, within time.Duration) slackfake.Post {
	tb.Helper()
	p, err := f.NextPost(within)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// sign signs a request exactly as Slack does: v0=hex(HMAC-SHA256(secret,
// "v0:" + timestamp + ":" + body)), with the timestamp in its own header.
func sign(req *http.Request, secret string, ts time.Time, body []byte) {
	loadgen.SignSlack(req.Header, secret, ts, body)
}

// request builds a signed POST of body to copbot's path.
func (h *harness) request(tb testing.TB, path, contentType string, body []byte) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	sign(req, testSecret, time.Now(), body)
	return req
}

// do sends a request and returns its status and body.
func do(tb testing.TB, req *http.Request) (int, string) {
	tb.Helper()
	return reqtest.Do(tb, req)
}

// event posts a signed Events API payload; retry > 0 adds Slack's retry
// headers.
func (h *harness) event(tb testing.TB, body []byte, retry int) (int, string) {
	tb.Helper()
	req := h.request(tb, "/slack/events", "application/json", body)
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_error")
	}
	return do(tb, req)
}

// command posts a signed /cop slash command as user in channel C1 and
// returns the status and the response body.
func (h *harness) command(tb testing.TB, user, text string) (int, string) {
	tb.Helper()
	return do(tb, h.request(tb, "/slack/commands", "application/x-www-form-urlencoded",
		[]byte(commandForm(user, "C1", "general", text, h.slack.ResponseURL("cmd")).Encode())))
}

var triggers atomic.Int64

func commandForm(user, channel, channelName, text, responseURL string) url.Values {
	return loadgen.SlackCommand("T1", user, channel, channelName, text, responseURL, strconv.FormatInt(triggers.Add(1), 10))
}

// reply decodes a slash command's JSON response body.
func reply(tb testing.TB, body string) (responseType, text, blocks string) {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		tb.Fatalf("response body is not JSON: %v\n%s", err, body)
	}
	responseType, _ = m["response_type"].(string)
	text, _ = m["text"].(string)
	b, _ := json.Marshal(m["blocks"])
	return responseType, text, string(b)
}

// reactionPayload is an Events API reaction_added (or _removed) delivery
// as Slack sends it.
func reactionPayload(eventID, kind, user, emoji, channel, ts, author string) []byte {
	return loadgen.SlackReaction("T1", eventID, kind, user, emoji, channel, ts, author)
}

// slackT1 is the workspace the tests' deliveries come from.
var slackT1 = bot.CommunityRef{Platform: bot.Slack, ExternalID: "T1"}

// tips returns T1's saved tips by number, read through the store as the
// core reads them.
func (h *harness) tips(tb testing.TB) []knowledge.Tip {
	tb.Helper()
	return storetest.Tips(tb, h.store, slackT1)
}
