// Package console is copbot's local adapter: a REPL on a terminal and a
// script reader on any other input. It speaks the console lines of the
// product brief (messages, /as, /channel, /react, /unreact, /join, /cop …),
// marks channels private, keeps a clock of its own that /clock sets and
// moves, running what came due by then (clock.go), and acts as another
// workspace after /workspace <name> (workspace.go). It finishes each line's
// effects before reading the next, so a script gives the same output every
// time. The core's tests use it as their test double.
package console
