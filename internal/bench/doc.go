// Package bench holds only benchmarks (and the tests that keep them
// honest): each SDK call beside a minimal hand-written net/http +
// encoding/json client doing the same request against the same loopback
// server in the same run, so that the SDK's overhead reads as a ratio.
// BENCHMARKS.md at the repository root has the figures and how to
// reproduce them (make bench).
package bench
