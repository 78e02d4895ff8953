// Package slack is copbot's Slack adapter. It speaks Slack's Events API,
// slash commands and interactivity over HTTP (routes mounted with Routes,
// every request verified with the app's signing secret) or over Socket Mode
// (an app-level token; no public URL needed), with one translation of each
// payload shared by both. It answers through the Web API (slack-go) for what
// the core asks of it: fetching the message a reaction is about, notices,
// group DMs and files.
//
// Acknowledgements never wait on the Web API: an event is acknowledged as
// soon as the core has recorded it, and a 5xx answer (or no Socket Mode ack)
// makes Slack deliver an event the core could not record again. Slash
// commands are answered in the response when the core is quick and through
// the command's response_url otherwise.
package slack
