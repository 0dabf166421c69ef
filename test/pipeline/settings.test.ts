import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { environmentFor, SETTINGS, type SettingDeclaration } from '../../pipeline/settings';

const ROOT = join(__dirname, '../..');

/** docs/pipeline.md's environment table, row by row. */
function documentedSettings(): Map<string, { readers: string; required: string; default: string }> {
  const doc = readFileSync(join(ROOT, 'docs/pipeline.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Environment variables'), doc.indexOf('## IAM the stack must grant'));
  const rows = new Map<string, { readers: string; required: string; default: string }>();
  for (const line of section.split('\n')) {
    const cells = /^\| `([A-Z_]+)` \| ([^|]*) \| ([^|]*) \| ([^|]*) \|/.exec(line);
    if (cells?.[1]) rows.set(cells[1], { readers: cells[2] ?? '', required: cells[3] ?? '', default: cells[4] ?? '' });
  }
  return rows;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('settings, declared once', () => {
  it("docs/pipeline.md's table names every declared setting with its readers, requirement and default, and no other", () => {
    const documented = documentedSettings();
    expect([...documented.keys()].sort()).toEqual(Object.keys(SETTINGS).sort());
    for (const [name, declared] of Object.entries(SETTINGS) as [string, SettingDeclaration][]) {
      const row = documented.get(name);
      expect({ name, readers: row?.readers }).toEqual({ name, readers: declared.readers.join(', ') });
      expect({ name, required: row?.required.startsWith('yes') }).toEqual({ name, required: declared.required });
      expect({ name, default: row?.default }).toEqual({ name, default: declared.default === undefined ? '—' : `\`${declared.default}\`` });
    }
  });

  it('refuses an environment with a variable its reader does not read, or without one it requires', () => {
    expect(() => environmentFor('worker', { NOTESCRIBE_BUCKET: 'b', NOTESCRIBE_JOBS_QUEUE_URL: 'q', NOTESCRIBE_NOTIFY_QUEUE_URL: 'n', NOTESCRIBE_TOPIC_ARN: 't' })).toThrow(
      'environment of the worker: NOTESCRIBE_TOPIC_ARN is not read by the worker',
    );
    expect(() => environmentFor('ingest', { NOTESCRIBE_BUCKET: 'b' })).toThrow(
      'environment of the ingest: NOTESCRIBE_JOBS_QUEUE_URL is required by the ingest; NOTESCRIBE_NOTIFY_QUEUE_URL is required by the ingest',
    );
    expect(environmentFor('sender', { NOTESCRIBE_BUCKET: 'b', NOTESCRIBE_TOPIC_ARN: 't' })).toEqual({ NOTESCRIBE_BUCKET: 'b', NOTESCRIBE_TOPIC_ARN: 't' });
  });

  it('is the only place the deployables read NOTESCRIBE_ variables from', () => {
    const offenders = ['lambdas', 'gpu-task', 'pipeline']
      .flatMap((dir) => filesUnder(join(ROOT, dir)))
      .filter((file) => !file.endsWith(join('pipeline', 'config.ts')))
      .filter((file) => /process\.env\[['"]NOTESCRIBE_/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });
});
