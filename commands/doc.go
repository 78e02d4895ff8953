// Package commands is copbot's core: it parses the /cop grammar, routes each
// command to the handler of its family (one file per family), and turns
// platform events into calls on the knowledge store. Core implements
// bot.Handler, so every adapter gets the same behaviour.
package commands
