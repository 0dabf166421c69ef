import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { buildScore, toMusicXml } from '../../../core/notation';
import { assertValidMusicXml } from '../../helpers/xml';
import { bassDownbeats, performed, type BeatNote } from './fixtures';

describe('MuseScore', () => {
  it('opens a written score and renders it to a PDF and a PNG', () => {
    const third = 1 / 3;
    const spec: BeatNote[] = [
      [72, 0, 1, 100], [74, 1, third], [76, 1 + third, third], [77, 1 + 2 * third, third], [79, 2, 2.5],
      [77, 4.5, 0.5], [76, 5, 1], [60, 5, 1], [64, 5, 1], [74, 6, 2], [66, 6, 2],
      ...bassDownbeats(2),
    ];
    const dir = mkdtempSync(path.join(tmpdir(), 'notescribe-mscore-'));
    const input = path.join(dir, 'score.musicxml');
    const xml = toMusicXml(buildScore(performed(spec), { title: 'Rendered & "checked"' }));
    assertValidMusicXml(xml);
    writeFileSync(input, xml);
    const env = { ...process.env, QT_QPA_PLATFORM: 'offscreen', XDG_RUNTIME_DIR: dir, HOME: dir };
    // One MuseScore start for both outputs (a batch job file).
    const pdf = path.join(dir, 'score.pdf');
    const job = path.join(dir, 'job.json');
    writeFileSync(job, JSON.stringify([{ in: input, out: [pdf, path.join(dir, 'score.png')] }]));
    execFileSync('mscore3', ['-j', job], { env, stdio: 'pipe', timeout: 100_000 });
    expect(existsSync(pdf)).toBe(true);
    expect(statSync(pdf).size).toBeGreaterThan(5_000);
    // MuseScore numbers PNG pages: score-1.png.
    const pngs = readdirSync(dir).filter((f) => f.endsWith('.png'));
    expect(pngs).toEqual(['score-1.png']);
    const png = PNG.sync.read(readFileSync(path.join(dir, pngs[0] as string)));
    // Ink: opaque dark pixels (staff lines, notes, title). A blank page has none.
    let ink = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b, a] = [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]] as number[];
      if ((a as number) > 128 && (r as number) + (g as number) + (b as number) < 3 * 128) ink += 1;
    }
    expect(ink).toBeGreaterThan(10_000);
  });
});
