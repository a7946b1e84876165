#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled sources (npm install builds them).
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv);
// Dawn and worker threads can keep the event loop alive after the work is done.
process.exit(code);
