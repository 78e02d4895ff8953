// Package loadgen makes synthetic load for copbot's benchmarks and load tool:
// a community filled with many tips whose words follow a Zipf distribution,
// so that a few words are in a large share of all tips, as in real text.
package loadgen
