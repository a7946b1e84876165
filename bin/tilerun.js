#!/usr/bin/env node
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
