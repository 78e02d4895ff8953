// Package redact keeps secrets out of copbot's logs. Tokens and capability
// URLs travel inside errors: net/http's client wraps every failed call in
// a *url.Error that carries the whole request URL, and for a Discord
// interaction or webhook (…/webhooks/{app}/{token}/…,
// …/interactions/{id}/{token}/callback) or a Slack response_url
// (https://hooks.slack.com/…) that URL is the credential. A RoundTripper
// cannot remove it, since the client adds it after the transport returns,
// so the redaction sits where every log line passes: Handler wraps the
// slog.Handler that copbot logs through, and rewrites each line's message
// and attributes before they are written.
//
// What it removes: the path and query of the URL in every *url.Error of a
// logged error's chain (scheme and host stay, to say which service
// failed); the known secrets it was given (bot tokens, signing secrets);
// anything shaped like a Slack token (xoxb-…, xapp-…) or a Discord bot
// token; and, in any text, the secret parts of Slack's hooks URLs, Discord's
// webhook and interaction paths and Socket Mode's ticket.
package redact
