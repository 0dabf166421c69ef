/**
 * Builds the `notescribe` command as plain JavaScript: one esbuild bundle of cli/main.ts (dist/notescribe.cjs) and one
 * of the `features --jobs` worker (dist/features-worker.cjs). bin/notescribe.cjs loads the first, so `npx notescribe`
 * starts on plain node instead of compiling TypeScript on every start (about 1 s of CPU with tsx).
 *
 *   npm run build          what `npm ci` runs as `prepare`, and `npm pack` before packing
 *
 * Each file is written under a temporary name and renamed, so parallel builds (two test workers) never leave half
 * a bundle for a third process to load.
 */
import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { NEVER_LOADED_MODULES } from '../core/audio/bundling';

const ROOT = path.join(__dirname, '..');

/** Where the bundles go, relative to the package root; bin/notescribe.cjs names the same folder. */
export const CLI_BUNDLE_DIR = 'dist';

/** The bundles: output name → entry point, both relative to the package root. */
export const CLI_BUNDLES: Readonly<Record<string, string>> = {
  'notescribe.cjs': 'cli/main.ts',
  'features-worker.cjs': 'cli/commands/features-worker.ts',
};

/**
 * Left as `require`s resolved from node_modules at run time:
 * - onnxruntime-node: a native addon with its shared libraries beside it; it cannot be inlined.
 * - @aws-sdk/*: only `notescribe status` loads them (lazily); inlined they would add megabytes to every start.
 * - tsx: only the from-source path of `features --jobs` asks for it, never the bundle.
 * - NEVER_LOADED_MODULES: optional imports of the decoders that the engine never takes (core/audio/bundling.ts).
 */
const EXTERNAL: readonly string[] = ['onnxruntime-node', '@aws-sdk/*', 'tsx', 'tsx/*', ...NEVER_LOADED_MODULES];

/** Builds every bundle into `<outDir>` (default `<package root>/dist`); returns the paths written. */
export function buildCli(outDir: string = path.join(ROOT, CLI_BUNDLE_DIR)): string[] {
  const written: string[] = [];
  for (const [name, entry] of Object.entries(CLI_BUNDLES)) {
    const outfile = path.join(outDir, name);
    const partial = `${outfile}.partial-${process.pid}`;
    try {
      buildSync({
        entryPoints: [path.join(ROOT, entry)],
        outfile: partial,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external: [...EXTERNAL],
        // ES-module dependencies that call createRequire(import.meta.url) (fdir, under tinyglobby) need a real URL;
        // in a CommonJS bundle esbuild would leave import.meta empty. The bundle's own file is the right one.
        define: { 'import.meta.url': 'bundleFileUrl' },
        banner: { js: 'var bundleFileUrl = require("node:url").pathToFileURL(__filename).href;' },
        // Whitespace only: parsing a smaller file is faster, and names stay readable in stack traces.
        minifyWhitespace: true,
        logLevel: 'error',
      });
      renameSync(partial, outfile);
    } finally {
      rmSync(partial, { force: true });
    }
    written.push(outfile);
  }
  return written;
}

if (require.main === module) {
  try {
    for (const built of buildCli()) process.stdout.write(`built ${path.relative(process.cwd(), built)}\n`);
  } catch (error) {
    // esbuild has printed the errors themselves (logLevel 'error').
    process.stderr.write(`build failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    process.exitCode = 1;
  }
}
