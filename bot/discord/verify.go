package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// maxSkew is how far a request's signed timestamp may be from now.
const maxSkew = 5 * time.Minute

// verify checks a request to the HTTP interactions endpoint as Discord
// signs it: X-Signature-Ed25519 is the hex of the Ed25519 signature, made
// with the application's key, of X-Signature-Timestamp followed by the
// body. The signature is checked first, then the timestamp's age; verify
// returns why a request is refused ("bad_signature", "stale"), or "".
func (a *Adapter) verify(hdr http.Header, body []byte) string {
	sig, err := hex.DecodeString(hdr.Get("X-Signature-Ed25519"))
	ts := hdr.Get("X-Signature-Timestamp")
	if err != nil || len(sig) != ed25519.SignatureSize || ts == "" {
		return "bad_signature"
	}
	msg := make([]byte, 0, len(ts)+len(body))
	if !ed25519.Verify(a.publicKey, append(append(msg, ts...), body...), sig) {
		return "bad_signature"
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "bad_signature"
	}
	if age := a.opts.Now().Sub(time.Unix(sec, 0)); age > maxSkew || age < -maxSkew {
		return "stale"
	}
	return ""
}
