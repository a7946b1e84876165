#!/bin/sh
":" //; GLIBC_TUNABLES="glibc.malloc.hugetlb=1:${GLIBC_TUNABLES}" exec node "$0" "$@"
// The two lines above are read by sh, then by Node (to which line 2 is a string and a comment):
// sh starts Node on this file with glibc's malloc asked for transparent huge pages (where the
// kernel's THP mode is `madvise` or `always`; elsewhere, and outside glibc, the setting is
// ignored), keeping any GLIBC_TUNABLES of the user's after it. Large arrays are then backed by
// 2 MiB pages, and a fresh array's first touch costs 10x less on VMs like this project's
// (kernels/wasm/in-place.ts, allocateWasmArray). Plain sh, not `env -S`, which BusyBox lacks.
// Thin launcher: the CLI lives in the compiled sources (npm install builds them).
import { main } from '../dist/src/cli/main.js';

// `tilerun ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await main(process.argv);
// Writes to a pipe are asynchronous and process.exit does not wait for them: flush first, or a
// large --json result piped to another program would be cut short.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
// Dawn and worker threads can keep the event loop alive after the work is done.
process.exit(code);
