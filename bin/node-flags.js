// V8 flags for the long-running `digest` processes (start, worker). They cannot be set from inside
// a running process, so they are given where node starts: the shebang of bin/digest.js, `npm start`,
// the systemd unit in docs/operations.md and the benchmark's workers (tests/unit/node-flags.test.ts
// checks that all of them agree with this list).
//
// --heap-growing-percent=50: a send worker allocates a message's worth of short-lived objects per
// recipient; with V8's default heap growth (up to 4x per major GC on a large machine) its heap swelled
// by about 100 MB during a 100k send before a collection, while what it keeps is a few MB per batch.
// Growing the old space by at most 1.5x per GC keeps the peak near what is live (BENCHMARKS.md), and
// unlike --max-old-space-size it can never run a large build out of memory.
export const NODE_FLAGS = ['--heap-growing-percent=50'];
