package slack

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/copbot/copbot/bot"
)

// commandTimeout bounds a command's whole run, its late replies included.
const commandTimeout = time.Minute

// serveCommand runs a /cop command as the core's Command event and answers
// it, for HTTP mode and Socket Mode alike. answer acknowledges the command
// and is called exactly once, before serveCommand returns and within the
// command budget: with the reply when the core had it by then, with nil (an
// empty acknowledgement) otherwise, and then the reply goes to responseURL
// when it is ready. Files, and any reply after the first, follow the
// acknowledgement.
func (a *Adapter) serveCommand(ctx context.Context, h bot.Handler, ev *bot.Event, responseURL string, answer func(*slack.WebhookMessage) error) {
	ctx = context.WithoutCancel(ctx) // the command outlives its acknowledgement
	done := make(chan []bot.Reply, 1)
	a.background.Go(func() {
		cctx, cancel := context.WithTimeout(ctx, commandTimeout)
		defer cancel()
		a.withProfile(cctx, ev)
		done <- a.runCommand(cctx, h, ev)
	})
	budget := time.NewTimer(a.opts.CommandBudget)
	defer budget.Stop()
	select {
	case replies := <-done:
		if len(replies) > 0 {
			if err := answer(webhookMessage(replies[0])); err != nil {
				// Too large for a Socket Mode acknowledgement, or the
				// connection is gone: the response URL still works.
				a.log.WarnContext(ctx, "slack command reply not sent in the acknowledgement; using its response URL",
					slog.Any("error", err))
				a.background.Go(func() { a.deliver(ctx, ev, responseURL, replies, true) })
				return
			}
			if len(replies) > 1 || len(replies[0].Files) > 0 {
				a.background.Go(func() { a.deliver(ctx, ev, responseURL, replies, false) })
			}
			return
		}
		_ = answer(nil)
	case <-budget.C:
		_ = answer(nil)
		a.background.Go(func() { a.deliver(ctx, ev, responseURL, <-done, true) })
	}
}

// runCommand asks the core for a command's replies; the core answers even
// its own failures with a reply, so an error here is unexpected.
func (a *Adapter) runCommand(ctx context.Context, h bot.Handler, ev *bot.Event) []bot.Reply {
	replies, err := h.HandleEvent(ctx, ev)
	if err != nil {
		a.log.ErrorContext(ctx, "slack command failed", slog.String("event_id", ev.ID),
			slog.String("community", ev.Community.String()), slog.Any("error", err))
		return []bot.Reply{{Text: bot.Plain("Something went wrong on my side; please try again in a minute.")}}
	}
	return replies
}

// deliver sends a command's replies through its response URL (all of them
// when first is set, else those after the first, which the acknowledgement
// carried), then uploads their files.
func (a *Adapter) deliver(ctx context.Context, ev *bot.Event, responseURL string, replies []bot.Reply, first bool) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	for i, r := range replies {
		if i > 0 || first {
			a.respond(ctx, ev, responseURL, r)
		}
		if err := a.upload(ctx, ev.Channel.ID, ev.User.ID, r); err != nil {
			a.log.WarnContext(ctx, "slack reply files not uploaded", slog.String("event_id", ev.ID), slog.Any("error", err))
		}
	}
}

// respondAttempts bounds the posts of one reply to a response URL that
// fails for a while (5xx, 429, the connection).
const respondAttempts = 3

// respond posts one reply to a response URL, never replacing the message
// it answers. A post that fails for a while is tried again; one the URL
// refuses (expired, used up) or that still fails goes to the member as a
// notice instead: the command ran, and a member who sees no answer types
// it again.
func (a *Adapter) respond(ctx context.Context, ev *bot.Event, responseURL string, r bot.Reply) {
	if responseURL != "" {
		err := a.postResponse(ctx, responseURL, r)
		if err == nil {
			return
		}
		a.log.WarnContext(ctx, "slack reply not delivered at its response URL; sending it as a notice",
			slog.String("event_id", ev.ID), slog.Any("error", err))
	}
	err := a.Notify(ctx, bot.Notice{Community: ev.Community, ChannelID: ev.Channel.ID, UserID: ev.User.ID, Reply: r})
	if err != nil {
		a.log.ErrorContext(ctx, "slack reply not delivered", slog.String("event_id", ev.ID),
			slog.String("channel", ev.Channel.ID), slog.Any("error", err))
	}
}

func (a *Adapter) postResponse(ctx context.Context, responseURL string, r bot.Reply) error {
	var err error
	for attempt := range respondAttempts {
		err = slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, webhookMessage(r))
		a.metrics.apiCall("response_url", err)
		wait := time.Duration(1<<attempt) * 250 * time.Millisecond
		var limited *slack.RateLimitedError
		var status slack.StatusCodeError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &limited):
			wait = max(wait, limited.RetryAfter)
		case errors.As(err, &status) && status.Code < 500:
			return err // expired or used up: no retry mends it
		}
		if attempt == respondAttempts-1 {
			break
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
	return err
}

// runClicks runs the commands carried by pressed buttons, each as the
// person who pressed it, and posts the replies to the click's response URL
// (ephemeral unless a reply says it is for the channel). The click itself
// was acknowledged already.
func (a *Adapter) runClicks(ctx context.Context, h bot.Handler, evs []*bot.Event, responseURL string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commandTimeout)
	defer cancel()
	for _, ev := range evs {
		a.withProfile(ctx, ev)
		a.deliver(ctx, ev, responseURL, a.runCommand(ctx, h, ev), true)
	}
}
