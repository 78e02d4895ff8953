package discord

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// discordSigned says whether Discord's rule accepts a request, written from
// Discord's documentation: X-Signature-Ed25519 is the hex of the Ed25519
// signature of the X-Signature-Timestamp header followed by the body, made
// with the application's key (compared as bytes, so the case of its hex
// digits does not matter); copbot also wants the timestamp, Unix seconds,
// within five minutes of now.
func discordSigned(pub ed25519.PublicKey, ts, sig string, body []byte, now time.Time) (ok, signed bool) {
	raw, err := hex.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize || ts == "" {
		return false, false
	}
	signed = ed25519.Verify(pub, append([]byte(ts), body...), raw)
	sec, err := strconv.ParseInt(ts, 10, 64)
	return signed && err == nil && now.Sub(time.Unix(sec, 0)).Abs() <= maxSkew, signed
}

// flipBit changes one bit of b, at a position chosen by pos.
func flipBit(b []byte, pos uint32) []byte {
	if len(b) == 0 {
		return []byte{byte(pos)} // nothing to change: add a byte instead
	}
	c := bytes.Clone(b)
	c[int(pos/8)%len(c)] ^= 1 << (pos % 8)
	return c
}

// FuzzVerifyInteraction checks verify, which the interactions endpoint runs
// on every request: it accepts a request only when the signature is the
// application key's signature of the exact timestamp and body and the
// timestamp is within five minutes; one bit changed in the body, the
// timestamp or the signature of a good request makes it refuse (but for the
// case of a hex digit of the signature, which spells the same bytes); the
// reason is "stale" only for a good signature on an old timestamp; nothing
// panics. op picks the case: 0 the request as signed, 1–3 one bit of the
// body, timestamp or signature flipped at pos, 4 the fuzzer's own headers.
// The clock is fixed, so the window's edge is exact.
func FuzzVerifyInteraction(f *testing.F) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	now := time.Unix(1_700_000_000, 0)
	a, err := New(Options{AppID: appID, PublicKey: hex.EncodeToString(pub), Registerer: prometheus.NewRegistry(),
		Now: func() time.Time { return now }}, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	_, _, help := interaction(2, adaID, "1024", slash(`[{"name": "help", "type": 1}]`))
	ping := []byte(`{"id":"800000000000000500","application_id":"110000000000000001","type":1,"token":"dG9rZW4","version":1}`)
	f.Add([]byte(help), int64(0), uint8(0), uint32(0), "", "")
	f.Add(ping, int64(300), uint8(0), uint32(0), "", "")
	f.Add(ping, int64(-300), uint8(0), uint32(0), "", "")
	f.Add(ping, int64(301), uint8(0), uint32(0), "", "")
	f.Add(ping, int64(-301), uint8(0), uint32(0), "", "")
	f.Add([]byte{}, int64(0), uint8(1), uint32(0), "", "")
	f.Add(ping, int64(0), uint8(1), uint32(1000), "", "")
	f.Add(ping, int64(0), uint8(2), uint32(9), "", "")
	f.Add(ping, int64(0), uint8(3), uint32(5), "", "") // a hex digit's case, or a digit
	f.Add(ping, int64(0), uint8(3), uint32(300), "", "")
	f.Add(ping, int64(0), uint8(4), uint32(0), "1700000000", strings.Repeat("0", 128))
	f.Add(ping, int64(0), uint8(4), uint32(0), "+1700000000", "zz")
	f.Add(ping, int64(0), uint8(4), uint32(0), "", "")
	f.Fuzz(func(t *testing.T, body []byte, age int64, op uint8, pos uint32, tsHeader, sigHeader string) {
		ts := strconv.FormatInt(now.Unix()-age, 10)
		sig := hex.EncodeToString(ed25519.Sign(key, append([]byte(ts), body...)))
		signedSig, sent := sig, body
		switch op % 5 {
		case 1:
			sent = flipBit(body, pos)
		case 2:
			ts = string(flipBit([]byte(ts), pos))
		case 3:
			sig = string(flipBit([]byte(sig), pos))
		case 4:
			ts, sig = tsHeader, sigHeader
		}
		hdr := http.Header{"X-Signature-Ed25519": {sig}, "X-Signature-Timestamp": {ts}}
		reason := a.verify(hdr, sent)
		want, signed := discordSigned(pub, ts, sig, sent, now)
		switch {
		case (reason == "") != want:
			t.Fatalf("verify = %q, want accepted = %v (signature good: %v) for ts %q sig %q body %q", reason, want, signed, ts, sig, sent)
		case reason != "" && reason != "bad_signature" && reason != "stale":
			t.Fatalf("verify = %q; want bad_signature or stale", reason)
		case reason == "stale" && !signed:
			t.Fatalf("a request with a bad signature was called stale, not bad_signature")
		case op%5 == 0 && !signed:
			t.Fatalf("the test's own signature does not verify")
		case op%5 == 0 && (reason == "") != (age >= -300 && age <= 300):
			t.Fatalf("a request signed %ds ago: verify = %q", age, reason)
		case (op%5 == 1 || op%5 == 2) && reason == "":
			t.Fatalf("accepted a request whose body or timestamp was changed after signing (ts %q)", ts)
		case op%5 == 3 && reason == "" && !strings.EqualFold(sig, signedSig):
			t.Fatalf("accepted a changed signature %q", sig)
		}
	})
}
