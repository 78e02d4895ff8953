package slack

import (
	"bytes"
	"errors"
	"net/http"
	"sync"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/internal/bodygate"
)

// maxBody is the largest request body copbot reads; Slack's payloads are far
// smaller.
const maxBody = 1 << 20

// rejectBusy counts bodies refused because too many large ones were being
// read at once (internal/bodygate); Slack delivers them again.
const rejectBusy = "busy"

// bodies recycles request buffers: a body is decoded before its handler
// returns and nothing keeps it.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func releaseBody(b *bytes.Buffer) {
	if b.Cap() <= 64<<10 {
		bodies.Put(b)
	}
}

// readSigned reads a request's body and checks Slack's v0 signature over it
// (HMAC-SHA256 of "v0:<timestamp>:<body>" with the signing secret, the
// timestamp within five minutes, compared in constant time by slack-go's
// SecretsVerifier). On failure it answers the request itself (401, 413,
// 503 or 400) and returns false; otherwise the caller releases the body.
//
// The body is read in chunks as its bytes arrive (bodygate.ReadAll), never
// sized by what the Content-Length header claims: a client that claims a
// megabyte and sends nothing costs nothing but its connection.
func (a *Adapter) readSigned(w http.ResponseWriter, r *http.Request) (*bytes.Buffer, bool) {
	sv, err := slack.NewSecretsVerifier(r.Header, a.opts.SigningSecret)
	if err != nil {
		reason := rejectBadSignature
		if errors.Is(err, slack.ErrExpiredTimestamp) {
			reason = rejectStale
		}
		a.reject(w, http.StatusUnauthorized, reason)
		return nil, false
	}
	if r.ContentLength > maxBody {
		a.reject(w, http.StatusRequestEntityTooLarge, rejectTooLarge)
		return nil, false
	}
	body := bodies.Get().(*bytes.Buffer)
	body.Reset()
	if err := bodygate.ReadAll(body, http.MaxBytesReader(w, r.Body, maxBody)); err != nil {
		releaseBody(body)
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			a.reject(w, http.StatusRequestEntityTooLarge, rejectTooLarge)
		case errors.Is(err, bodygate.ErrBusy):
			w.Header().Set("Retry-After", "1")
			a.reject(w, http.StatusServiceUnavailable, rejectBusy)
		default:
			a.reject(w, http.StatusBadRequest, rejectMalformed)
		}
		return nil, false
	}
	sv.Write(body.Bytes())
	if err := sv.Ensure(); err != nil {
		releaseBody(body)
		a.reject(w, http.StatusUnauthorized, rejectBadSignature)
		return nil, false
	}
	return body, true
}

// reject answers a delivery copbot refuses and counts it.
func (a *Adapter) reject(w http.ResponseWriter, status int, reason string) {
	a.metrics.rejected.WithLabelValues(reason).Inc()
	http.Error(w, http.StatusText(status), status)
}
