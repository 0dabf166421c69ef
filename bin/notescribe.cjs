#!/usr/bin/env node
'use strict';
// `npx notescribe`: loads the CLI bundle that `npm run build` writes (scripts/build-cli.ts; `npm ci` runs it as
// `prepare`, `npm pack` ships it), so a start costs plain node, not a TypeScript compile.
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'notescribe.cjs');
let cli;
try {
  cli = require(bundle);
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(bundle)) {
    process.stderr.write(
      `notescribe: INTERNAL: the CLI is not built (${bundle} is missing): run \`npm run build\` in ${path.dirname(__dirname)}\n`,
    );
    process.exit(70);
  }
  throw error;
}
cli.runCli(process.argv);
