// Package bottest is the conformance suite of copbot's chat adapters: one
// Exercise that every adapter runs from its own tests, against its fake
// platform, so that Slack, Discord and the console are held to bot's
// contract in the same words (river's riverdrivertest.Exercise is the
// model). An adapter's test implements Harness in one file; a new adapter
// is one such file away from being tested like the others.
//
// Exercise works through what the adapter really receives and sends: the
// platform's own wire payloads go in (signed requests, gateway dispatches,
// console lines), the events come out at a bot.Handler that Exercise
// scripts, and what copbot sends is read back from the fake platform. It
// reads no database: the core is not part of the contract it checks.
//
// What a platform cannot do (the console has no signatures and nothing to
// press) its harness says in Setup.Lacks, with the reason; Exercise logs
// the reason in place of the check, so nothing passes silently.
package bottest
