// Package console is copbot's local adapter: a REPL on a terminal and a
// script reader on any other input. It speaks the console lines of the
// product brief (messages, /as, /channel, /react, /unreact, /join, /cop …) and
// finishes each line's effects before reading the next, so a script gives the
// same output every time. The core's tests use it as their test double.
package console
