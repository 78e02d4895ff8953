package slack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// slackSigned says whether Slack's rule accepts a request, written from
// Slack's documentation rather than from slack-go: the signature header is
// "v0=" and the hex of HMAC-SHA256(secret, "v0:" + timestamp + ":" + body),
// compared as bytes (so the case of its hex digits does not matter), the
// timestamp header is a Unix time in seconds within five minutes of now.
// fresh is false when the timestamp is within a second of the edge, where
// the answer depends on when the clock is read.
func slackSigned(secret, ts, sig string, body []byte, now time.Time) (ok, fresh, signed bool) {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false, true, false
	}
	age := now.Sub(time.Unix(sec, 0)).Abs() // saturates far from now
	fresh = age < 5*time.Minute-time.Second || age > 5*time.Minute+time.Second
	hexSig, found := strings.CutPrefix(sig, "v0=")
	got, err := hex.DecodeString(hexSig)
	if !found || err != nil {
		return false, fresh, false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, "v0:"+ts+":")
	mac.Write(body)
	signed = hmac.Equal(got, mac.Sum(nil))
	return signed && age <= 5*time.Minute, fresh, signed
}

// flip changes one bit of b, at a position chosen by pos.
func flip(b []byte, pos uint32) []byte {
	if len(b) == 0 {
		return []byte{byte(pos)} // nothing to change: add a byte instead
	}
	c := bytes.Clone(b)
	c[int(pos/8)%len(c)] ^= 1 << (pos % 8)
	return c
}

// FuzzVerify checks readSigned, the verification every Slack route runs
// first: a request is accepted only when its signature is the HMAC of
// its exact body and timestamp and the timestamp is fresh; a change to
// one bit of the body, the timestamp or the signature of a good request
// is refused with 401 (except the case of a hex digit of the signature,
// which spells the same signature); nothing panics. op picks the case:
// 0 the request as signed, 1–3 one bit of the body, timestamp or
// signature flipped at pos, 4 the fuzzer's own headers.
func FuzzVerify(f *testing.F) {
	reg := prometheus.NewRegistry()
	a, err := New(testBotToken, &Options{SigningSecret: testSecret, Registerer: reg}, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	event := reactionPayload("Ev1", "reaction_added", "U2", "bulb", "C1", "1700000000.000100", "U1")
	f.Add(event, int64(0), uint8(0), uint32(0), "", "")
	f.Add(event, int64(290), uint8(0), uint32(0), "", "")
	f.Add(event, int64(-290), uint8(0), uint32(0), "", "")
	f.Add(event, int64(310), uint8(0), uint32(0), "", "")
	f.Add(event, int64(-3600), uint8(0), uint32(0), "", "")
	f.Add([]byte("token=x&team_id=T1&text=help"), int64(10), uint8(1), uint32(77), "", "")
	f.Add([]byte{}, int64(0), uint8(1), uint32(0), "", "")
	f.Add(event, int64(0), uint8(2), uint32(3), "", "")
	f.Add(event, int64(0), uint8(3), uint32(45), "", "") // a hex digit's case
	f.Add(event, int64(0), uint8(3), uint32(26), "", "")
	f.Add(event, int64(0), uint8(4), uint32(0), "1700000000", "v0=")
	f.Add(event, int64(0), uint8(4), uint32(0), "+1700000000", "v0="+strings.Repeat("ab", 32))
	f.Add(event, int64(0), uint8(4), uint32(0), "99999999999999999999", "v1=00")
	f.Add(event, int64(0), uint8(4), uint32(0), "-9223372036854775808", "v0="+strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, body []byte, age int64, op uint8, pos uint32, tsHeader, sigHeader string) {
		if len(body) >= maxBody {
			return // a body's size is a different refusal (413), tested elsewhere
		}
		now := time.Now()
		req := httptest.NewRequest(http.MethodPost, "/slack/events", nil)
		sign(req, testSecret, now.Add(-time.Duration(age%(1<<33))*time.Second), body)
		ts, sig := req.Header.Get("X-Slack-Request-Timestamp"), req.Header.Get("X-Slack-Signature")
		signedSig := sig
		sent := body
		switch op % 5 {
		case 1:
			sent = flip(body, pos)
		case 2:
			ts = string(flip([]byte(ts), pos))
		case 3:
			sig = string(flip([]byte(sig), pos))
		case 4:
			ts, sig = tsHeader, sigHeader
		}
		req.Header["X-Slack-Request-Timestamp"] = []string{ts}
		req.Header["X-Slack-Signature"] = []string{sig}
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(sent)), int64(len(sent))

		rejected := func() float64 {
			return testutil.ToFloat64(a.metrics.rejected.WithLabelValues(rejectBadSignature)) +
				testutil.ToFloat64(a.metrics.rejected.WithLabelValues(rejectStale))
		}
		before := rejected()
		w := httptest.NewRecorder()
		got, accepted := a.readSigned(w, req)
		if accepted {
			defer releaseBody(got)
		}
		want, fresh, signed := slackSigned(testSecret, ts, sig, sent, now)
		switch {
		case accepted && !bytes.Equal(got.Bytes(), sent):
			t.Fatalf("accepted, but the body read is %q, not the %q sent", got.Bytes(), sent)
		case accepted && w.Code != http.StatusOK:
			t.Fatalf("accepted but answered %d", w.Code)
		case !accepted && (w.Code != http.StatusUnauthorized || rejected() != before+1):
			t.Fatalf("refused with %d and %v more rejections counted; want 401 and one", w.Code, rejected()-before)
		case op%5 == 0 && !signed:
			t.Fatalf("the test's own signature %q does not match its oracle", sig)
		case (op%5 == 1 || op%5 == 2) && accepted:
			t.Fatalf("accepted a request whose body or timestamp was changed after signing (ts %q)", ts)
		case op%5 == 3 && accepted && !hexCaseFlip(signedSig, sig):
			t.Fatalf("accepted a changed signature %q", sig)
		}
		if fresh && accepted != want {
			t.Fatalf("accepted = %v, want %v (signature matches: %v) for ts %q sig %q body %q", accepted, want, signed, ts, sig, sent)
		}
	})
}

// hexCaseFlip says whether after differs from before only in the case of
// hex letters after "v0=", which leaves the signature's bytes as they were.
func hexCaseFlip(before, after string) bool {
	return strings.HasPrefix(after, "v0=") && strings.EqualFold(before, after)
}
