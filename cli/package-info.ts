import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * notescribe's version, from its package.json (the one place it is declared). This file sits one folder below the
 * package root both as source (cli/) and bundled (dist/), so the manifest is found without searching (and without
 * loading cli/model-location, which brings the model runtime with it).
 */
export function packageVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    // Not worth failing `--version` for.
    return 'unknown';
  }
}
