package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
)

// Routes mounts Slack's HTTP endpoints on mux: the Events API, the /cop
// slash command and interactivity (button clicks). It mounts nothing
// without a signing secret, since no request could be verified.
func (a *Adapter) Routes(mux *http.ServeMux, h bot.Handler) {
	if a.opts.SigningSecret == "" {
		return
	}
	mux.HandleFunc("POST /slack/events", func(w http.ResponseWriter, r *http.Request) { a.serveEvents(w, r, h) })
	mux.HandleFunc("POST /slack/commands", func(w http.ResponseWriter, r *http.Request) { a.serveSlashCommand(w, r, h) })
	mux.HandleFunc("POST /slack/interactivity", func(w http.ResponseWriter, r *http.Request) { a.serveInteractivity(w, r, h) })
}

// serveEvents answers an Events API request: the URL verification's
// challenge, or 200 once the core has recorded the event. When the core
// could not record it, 503 makes Slack deliver it again (the core ignores a
// redelivery of an event it did record, by event_id).
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	start := time.Now()
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	env, err := decodeEnvelope(body.Bytes())
	releaseBody(body)
	if err != nil {
		a.reject(w, http.StatusBadRequest, rejectMalformed)
		return
	}
	defer func() { a.metrics.ack.Observe(time.Since(start).Seconds()) }()
	switch env.Type {
	case "url_verification":
		a.metrics.received.WithLabelValues(kindURLVerification).Inc()
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, env.Challenge)
		return
	case "event_callback":
	default: // app_rate_limited and whatever else Slack may add
		a.log.InfoContext(r.Context(), "slack delivery ignored", slog.String("type", env.Type))
		a.metrics.received.WithLabelValues(kindIgnored).Inc()
		return
	}
	ev, err := a.eventFromCallback(env)
	switch {
	case err != nil:
		a.log.InfoContext(r.Context(), "slack event refused", slog.String("event_id", env.EventID),
			slog.String("type", env.Event.Type), slog.Any("error", err))
		a.reject(w, http.StatusBadRequest, rejectMalformed)
		return
	case ev == nil:
		a.metrics.received.WithLabelValues(kindIgnored).Inc()
		return
	}
	a.metrics.received.WithLabelValues(ev.Kind.String()).Inc()
	if err := a.record(r.Context(), h, ev); err != nil {
		a.log.ErrorContext(r.Context(), "slack event not recorded; Slack will deliver it again",
			slog.String("event_id", ev.ID), slog.String("kind", ev.Kind.String()),
			slog.String("retry", r.Header.Get("X-Slack-Retry-Num")), slog.Any("error", err))
		a.reject(w, http.StatusServiceUnavailable, rejectNotRecorded)
	}
}

// eventBudget bounds the recording of an event: Slack gives up on an
// answer after 3 s, and an event not recorded by then is better answered
// 503 (or left unacknowledged) than left running. It leaves half a second
// for the request around it, so that even a database that hangs rather
// than refuses gets its 503 out within 2.5 s.
const eventBudget = 2 * time.Second

// record hands an event (not a command) to the core within the budget.
func (a *Adapter) record(ctx context.Context, h bot.Handler, ev *bot.Event) error {
	ctx, cancel := context.WithTimeout(ctx, eventBudget)
	defer cancel()
	_, err := h.HandleEvent(ctx, ev)
	return err
}

// serveSlashCommand answers /cop: the reply in the response body when the
// core is quick, an empty 200 and the reply at the response URL otherwise.
func (a *Adapter) serveSlashCommand(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	start := time.Now()
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
	sc, err := slack.SlashCommandParse(r)
	releaseBody(body)
	var ev *bot.Event
	if err == nil {
		ev, err = a.commandEvent(&sc)
	}
	switch {
	case errors.Is(err, bot.ErrNotText):
		// The person is waiting for an answer: say what is wrong.
		a.metrics.rejected.WithLabelValues(rejectMalformed).Inc()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(webhookMessage(notText))
		return
	case err != nil:
		a.reject(w, http.StatusBadRequest, rejectMalformed)
		return
	}
	a.metrics.received.WithLabelValues(ev.Kind.String()).Inc()
	a.serveCommand(r.Context(), h, ev, sc.ResponseURL, func(m *slack.WebhookMessage) error {
		defer func() { a.metrics.ack.Observe(time.Since(start).Seconds()) }()
		if m == nil {
			return nil // an empty 200
		}
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(m)
	})
}

// serveInteractivity acknowledges a click at once and runs the commands its
// buttons carry afterwards, replying at the click's response URL.
func (a *Adapter) serveInteractivity(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	start := time.Now()
	body, ok := a.readSigned(w, r)
	if !ok {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
	ic, err := slack.InteractionCallbackParse(r)
	releaseBody(body)
	if err == nil && !utf8.ValidString(r.PostForm.Get("payload")) {
		err = errors.New("interaction payload is not UTF-8") // the JSON decoder would hide it
	}
	if err == nil {
		err = a.click(r.Context(), h, &ic)
	}
	if err != nil {
		a.log.InfoContext(r.Context(), "slack interaction refused", slog.Any("error", err))
		a.reject(w, http.StatusBadRequest, rejectMalformed)
		return
	}
	a.metrics.ack.Observe(time.Since(start).Seconds())
}

// click counts and starts the commands of a click payload, whose
// acknowledgement carries nothing. It fails, and starts nothing, for a
// click on copbot's buttons that cannot be run.
func (a *Adapter) click(ctx context.Context, h bot.Handler, ic *slack.InteractionCallback) error {
	if ic.Type != slack.InteractionTypeBlockActions {
		a.metrics.received.WithLabelValues(kindIgnored).Inc()
		return nil
	}
	evs, err := a.clickEvents(ic)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		a.metrics.received.WithLabelValues(kindIgnored).Inc()
		return nil
	}
	a.metrics.received.WithLabelValues(bot.Command.String()).Add(float64(len(evs)))
	a.background.Go(func() { a.runClicks(ctx, h, evs, ic.ResponseURL) })
	return nil
}

// notText answers a slash command whose text is not text.
var notText = bot.Reply{Text: bot.Plain("I could not read that command: it holds characters that are not text. Try `/cop help`.")}
