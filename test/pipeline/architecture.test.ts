import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * docs/architecture.md is a map a newcomer follows through the code, so what it names must exist: every file or
 * folder it mentions, and every export it names after a file. And the layering it states holds: the adapters
 * (lambdas/, gpu-task/) import each other never, pipeline/ imports no adapter, contract/ no orchestrator.
 */
const ROOT = join(__dirname, '../..');
const TOP = /^(core|contract|pipeline|lambdas|gpu-task|infra|cli|scripts)\//;

function sourceOf(path: string): string {
  const full = join(ROOT, path);
  return readFileSync(statSync(full).isDirectory() ? join(full, 'index.ts') : full, 'utf8');
}

function exports(source: string, name: string): boolean {
  return (
    new RegExp(`export\\s+(declare\\s+)?(async\\s+|abstract\\s+)?(function|class|const|let|type|interface|enum)\\s+${name}\\b`).test(source) ||
    new RegExp(`export\\s*(type\\s*)?\\{[^}]*\\b${name}\\b[^}]*\\}`).test(source) ||
    /export \* from/.test(source)
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => relative(ROOT, join(file, '..', m[1] ?? '')));
}

describe('docs/architecture.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');

  it('names only files and folders that exist', () => {
    const paths = [...doc.matchAll(/`([\w./-]+)`/g)].map((m) => m[1] ?? '').filter((p) => TOP.test(p) && !p.includes('*'));
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('names only exports that the file it names them after exports', () => {
    const missing: string[] = [];
    let checked = 0;
    // `file.ts` `a`, `b` → `c`: every identifier in the run after a path is an export of that path
    for (const run of doc.matchAll(/`([\w./-]+)`((?:(?:\s|,|→)+`[A-Za-z_]\w*`)+)/g)) {
      const path = run[1] ?? '';
      if (!TOP.test(path) || !existsSync(join(ROOT, path))) continue;
      const source = sourceOf(path);
      for (const name of [...(run[2] ?? '').matchAll(/`([A-Za-z_]\w*)`/g)].map((m) => m[1] ?? '')) {
        checked++;
        if (!exports(source, name)) missing.push(`${path} ${name}`);
      }
    }
    expect(checked).toBeGreaterThan(25);
    expect(missing).toEqual([]);
  });

  it('states a layering the imports keep', () => {
    const crossing = (dir: string, forbidden: RegExp): string[] =>
      filesUnder(join(ROOT, dir)).flatMap((file) =>
        importsOf(file)
          .filter((target) => forbidden.test(target))
          .map((target) => `${relative(ROOT, file)} → ${target}`),
      );
    expect(crossing('lambdas', /^gpu-task\//)).toEqual([]);
    expect(crossing('gpu-task', /^lambdas\//)).toEqual([]);
    expect(crossing('pipeline', /^(lambdas|gpu-task|cli|scripts)\//)).toEqual([]);
    expect(crossing('contract', /^(core\/transcribe|pipeline|lambdas|gpu-task)/)).toEqual([]);
    expect(crossing('core', /^(pipeline|contract|lambdas|gpu-task|cli|infra|scripts)\//)).toEqual([]);
  });
});
