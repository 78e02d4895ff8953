package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/copbot/copbot/bot"
)

// socketWorkers bounds the envelopes handled at once; beyond it the
// adapter stops reading, and Slack's own limit on unacknowledged envelopes
// takes over.
const socketWorkers = 64

// runSocket serves Socket Mode: slack-go's socketmode client opens the
// connection (apps.connections.open with the app token, then the WebSocket
// it names) and reconnects when Slack asks; each envelope goes through the
// same translation and handling as its HTTP twin, and the acknowledgement
// plays the part of the HTTP response.
func (a *Adapter) runSocket(ctx context.Context, h bot.Handler) error {
	client := socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	run := make(chan error, 1)
	go func() { run <- client.RunContext(ctx) }()
	workers := make(chan struct{}, socketWorkers)
	for {
		select {
		case <-ctx.Done():
			select {
			case <-run:
			case <-time.After(10 * time.Second):
			}
			return nil
		case err := <-run:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case evt := <-client.Events:
			if evt.Request == nil || evt.Request.EnvelopeID == "" {
				a.socketStatus(ctx, client, evt)
				continue
			}
			select {
			case workers <- struct{}{}:
			case <-ctx.Done():
				continue
			}
			go func() {
				defer func() { <-workers }()
				a.socketEnvelope(ctx, client, h, evt)
			}()
		}
	}
}

// socketEnvelope handles one envelope from Slack and acknowledges it; an
// event the core could not record is left unacknowledged, so that Slack
// delivers it again.
func (a *Adapter) socketEnvelope(ctx context.Context, client *socketmode.Client, h bot.Handler, evt socketmode.Event) {
	start := time.Now()
	req := evt.Request
	ack := func(payload any) error {
		err := client.AckCtx(ctx, req.EnvelopeID, payload)
		a.metrics.ack.Observe(time.Since(start).Seconds())
		if err != nil {
			a.log.WarnContext(ctx, "slack envelope not acknowledged", slog.String("envelope_id", req.EnvelopeID),
				slog.String("type", req.Type), slog.Any("error", err))
		}
		return err
	}
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		env, err := decodeEnvelope(req.Payload)
		if err != nil {
			a.metrics.rejected.WithLabelValues(rejectMalformed).Inc()
			_ = ack(nil) // delivering it again would not help
			return
		}
		ev, err := a.eventFromCallback(env)
		if err != nil {
			a.metrics.rejected.WithLabelValues(rejectMalformed).Inc()
			a.log.InfoContext(ctx, "slack event refused", slog.String("event_id", env.EventID),
				slog.String("type", env.Event.Type), slog.Any("error", err))
			_ = ack(nil) // delivering it again would not help
			return
		}
		if ev == nil {
			a.metrics.received.WithLabelValues(kindIgnored).Inc()
			_ = ack(nil)
			return
		}
		a.metrics.received.WithLabelValues(ev.Kind.String()).Inc()
		if err := a.record(ctx, h, ev); err != nil {
			a.metrics.rejected.WithLabelValues(rejectNotRecorded).Inc()
			a.log.ErrorContext(ctx, "slack event not recorded; left unacknowledged for Slack to deliver again",
				slog.String("event_id", ev.ID), slog.String("kind", ev.Kind.String()),
				slog.Int("retry", req.RetryAttempt), slog.Any("error", err))
			return
		}
		_ = ack(nil)
	case socketmode.EventTypeSlashCommand:
		sc, _ := evt.Data.(slack.SlashCommand)
		ev, err := a.commandEvent(&sc)
		if err != nil {
			a.metrics.rejected.WithLabelValues(rejectMalformed).Inc()
			if errors.Is(err, bot.ErrNotText) {
				_ = ack(webhookMessage(notText))
				return
			}
			_ = ack(nil)
			return
		}
		a.metrics.received.WithLabelValues(ev.Kind.String()).Inc()
		a.serveCommand(ctx, h, ev, sc.ResponseURL, func(m *slack.WebhookMessage) error {
			if m == nil {
				return ack(nil)
			}
			return ack(m)
		})
	case socketmode.EventTypeInteractive:
		ic, _ := evt.Data.(slack.InteractionCallback)
		_ = ack(nil)
		if err := a.click(ctx, h, &ic); err != nil {
			a.metrics.rejected.WithLabelValues(rejectMalformed).Inc()
			a.log.InfoContext(ctx, "slack interaction refused", slog.Any("error", err))
		}
	default:
		a.metrics.received.WithLabelValues(kindIgnored).Inc()
		_ = ack(nil)
	}
}

// socketStatus logs what the socketmode client says about its connection.
// A message it could not parse (an events_api envelope of an event type
// slack-go does not know, say) is acknowledged: delivering it again would
// not help.
func (a *Adapter) socketStatus(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.connected.Store(true)
		a.log.InfoContext(ctx, "slack socket mode connected")
	case socketmode.EventTypeConnecting, socketmode.EventTypeDisconnect:
		a.connected.Store(false)
		a.log.DebugContext(ctx, "slack socket mode", slog.String("event", string(evt.Type)))
	case socketmode.EventTypeConnectionError:
		a.connected.Store(false)
		a.log.WarnContext(ctx, "slack socket mode connection failed; retrying", slog.Any("detail", evt.Data))
	case socketmode.EventTypeInvalidAuth:
		a.log.ErrorContext(ctx, "slack socket mode: the app token was refused (SLACK_APP_TOKEN)")
	case socketmode.EventTypeErrorBadMessage:
		bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
		if !ok {
			return
		}
		a.metrics.rejected.WithLabelValues(rejectMalformed).Inc()
		var req socketmode.Request
		if json.Unmarshal(bad.Message, &req) == nil && req.EnvelopeID != "" {
			a.log.InfoContext(ctx, "slack envelope not understood; acknowledged", slog.String("type", req.Type),
				slog.Any("error", bad.Cause))
			if err := client.AckCtx(ctx, req.EnvelopeID, nil); err != nil {
				a.log.WarnContext(ctx, "slack envelope not acknowledged", slog.String("envelope_id", req.EnvelopeID), slog.Any("error", err))
			}
		}
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.WarnContext(ctx, "slack socket mode", slog.String("event", string(evt.Type)), slog.Any("detail", evt.Data))
	default:
		a.log.DebugContext(ctx, "slack socket mode", slog.String("event", string(evt.Type)))
	}
}
