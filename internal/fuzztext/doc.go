// Package fuzztext turns fuzzed bytes into copbot reply text, for the fuzz
// tests of the adapters' renderers: each adapter checks that, whatever the
// spans hold, only its Mention spans become mentions on its platform.
package fuzztext
