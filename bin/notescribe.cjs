#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx notescribe` works straight after `npm ci`, with no build step.
require('tsx/cjs');
require('../cli/main.ts').runCli(process.argv);
