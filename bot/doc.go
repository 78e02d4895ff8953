// Package bot is the platform-neutral contract between copbot's core and its
// chat adapters. Adapters (Slack, Discord, the console) translate what their
// platform sends into an Event, hand it to a Handler, and deliver the Replies
// it returns; the core decides everything else. Nothing here knows a platform.
package bot
