#!/usr/bin/env node
// The published entry point runs the compiled CLI (`npm run build`, also run by `npm ci` via `prepare`).
import '../dist/cli/main.js';
