// Package bodygate bounds how many request bodies a server reads at once
// beyond a small allowance. A client can claim a large body and send it
// slowly, or not at all; until the body is read nobody can check its
// signature, so whatever the server buffers for it is the client's to
// spend. The gate lets every request read a few kilobytes on its own (what
// almost every chat platform delivery weighs) and makes a request that goes
// beyond that take one of a fixed number of slots, without waiting: with
// none free its body fails with ErrBusy and the handler answers 503, which
// Slack and Discord both deliver again later. A connection that only
// stalls therefore holds no slot, and a burst of large bodies cannot queue
// without bound.
package bodygate
