package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/internal/bodygate"
)

// maxBody is the largest interaction copbot reads.
const maxBody = 1 << 20

// Routes mounts the HTTP interactions endpoint, POST /discord/interactions,
// when the adapter has the application's public key.
func (a *Adapter) Routes(mux *http.ServeMux, h bot.Handler) {
	if a.publicKey == nil {
		return
	}
	mux.Handle("POST /discord/interactions", a.interactionsHandler(h))
}

// interactionsHandler verifies and answers interactions Discord posts. Any
// doubt about a request is a 401: Discord sends badly signed requests on
// purpose and removes an endpoint that accepts them.
func (a *Adapter) interactionsHandler(h bot.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		received := time.Now()
		if r.ContentLength > maxBody {
			a.reject(w, http.StatusRequestEntityTooLarge, "too_large")
			return
		}
		// Read in chunks as the bytes arrive, not sized by what
		// Content-Length claims.
		var buf bytes.Buffer
		err := bodygate.ReadAll(&buf, http.MaxBytesReader(w, r.Body, maxBody))
		body := buf.Bytes()
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			a.reject(w, http.StatusRequestEntityTooLarge, "too_large")
			return
		case errors.Is(err, bodygate.ErrBusy): // too many large bodies at once; Discord tries again
			w.Header().Set("Retry-After", "1")
			a.reject(w, http.StatusServiceUnavailable, "busy")
			return
		case err != nil:
			a.reject(w, http.StatusBadRequest, "malformed")
			return
		}
		if reason := a.verify(r.Header, body); reason != "" {
			a.reject(w, http.StatusUnauthorized, reason)
			return
		}
		var i discordgo.Interaction
		// JSON is UTF-8; Go's decoder would quietly turn other bytes into
		// U+FFFD.
		if !utf8.Valid(body) || json.Unmarshal(body, &i) != nil || i.ID == "" || i.Token == "" {
			a.reject(w, http.StatusBadRequest, "malformed")
			return
		}
		if i.Type == discordgo.InteractionPing {
			writeJSON(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
			return
		}
		ctx := context.WithoutCancel(r.Context())
		first, finish, err := a.firstResponse(ctx, h, &i)
		if err != nil {
			a.log.InfoContext(ctx, "discord interaction refused", slog.String("interaction", i.ID), slog.Any("error", err))
			a.reject(w, http.StatusBadRequest, "malformed")
			return
		}
		writeJSON(w, first)
		a.metrics.acked(received)
		if finish != nil {
			a.inflight.Go(func() { finish(ctx, true) }) // whether Discord took the response body, nobody says
		}
	}
}

func (a *Adapter) reject(w http.ResponseWriter, status int, reason string) {
	a.metrics.eventRejected(reason)
	a.log.Debug("discord interaction refused", slog.String("reason", reason))
	http.Error(w, http.StatusText(status), status)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return // the client is gone; nothing to tell it
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
