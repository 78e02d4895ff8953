// Package discord is copbot's Discord adapter, built on discordgo.
//
// One Adapter serves both ways Discord talks to a bot: the gateway (a
// websocket carrying reactions, edits, deletions, member joins and, unless
// an interactions endpoint is set, slash commands and button presses) and
// the HTTP interactions endpoint (POST /discord/interactions, verified with
// the application's Ed25519 public key). Commands arrive as the /cop
// application command with subcommands and typed options; the adapter turns
// them back into the /cop text grammar so that one parser serves every
// platform.
//
// Gateway events are never redelivered by Discord, so an event the core
// could not record (the database is down) is written to an on-disk spool and
// replayed in order, under its original id, when the core takes events
// again.
//
// Every REST call goes to the configured API base: the adapter gives
// discordgo an http.Client whose transport rewrites discordgo's built-in
// base, and refuses any other URL, rather than changing discordgo's
// package-level endpoints.
package discord
