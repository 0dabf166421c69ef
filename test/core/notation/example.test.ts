import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildScore, toMusicXml } from '../../../core/notation';
import { hzToMidi } from '../../../core/params';
import type { Note } from '../../../core/types';
import { assertValidMusicXml, parseXml, queryAll, textOf, textsOf } from '../../helpers/xml';

/** The bundled example's reference notes (examples/make-example.py: G major, 3/4, 132 BPM, 16 bars, articulated). */
function littleWaltz(): Note[] {
  const text = readFileSync(path.resolve(__dirname, '../../../examples/little-waltz.notes.txt'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [onset, offset, hz] = line.split(/\s+/).map(Number) as [number, number, number];
      // The note list carries no velocity: every note gets the same, so metre must come from rhythm and register.
      return { pitch: hzToMidi(hz), onsetSeconds: onset, offsetSeconds: offset, velocity: 80 };
    });
}

describe('the bundled little waltz', () => {
  const xml = toMusicXml(buildScore(littleWaltz(), { title: 'Little waltz' }));
  const doc = parseXml(xml);

  it('is written in 3/4, G major, at 132 BPM, in 16 bars', () => {
    assertValidMusicXml(xml);
    expect(textsOf(doc, '//attributes/time/*')).toEqual(['3', '4']);
    expect(textOf(doc, '//attributes/key/fifths')).toBe('1');
    expect(textOf(doc, '//attributes/key/mode')).toBe('major');
    expect(textsOf(doc, '//direction/direction-type/metronome/per-minute')).toEqual(['132']);
    expect(queryAll(doc, '//measure')).toHaveLength(16);
  });

  it('puts the melody of bar 1 (D5 B4 G4) in quarters on the treble staff and the bass G2 on the downbeat', () => {
    const melody = queryAll(doc, '//measure[1]/note[voice="1"]').map((n) => `${textOf(n, 'pitch/step')}${textOf(n, 'pitch/octave')}:${textOf(n, 'type')}`);
    expect(melody).toEqual(['D5:quarter', 'B4:quarter', 'G4:quarter']);
    const bass = queryAll(doc, '//measure[1]/note[staff="2"]')[0];
    expect(bass === undefined ? undefined : `${textOf(bass, 'pitch/step')}${textOf(bass, 'pitch/octave')}`).toBe('G2');
    // Oom-pah-pah: the off-beat chords stay with their bass on the bass staff.
    const leftHand = queryAll(doc, '//measure[1]/note[staff="2"]').map((n) => (n.childNodes.length > 0 ? `${queryAll(n, 'chord').length > 0 ? '+' : ' '}${textOf(n, 'pitch/step') ?? 'r'}${textOf(n, 'pitch/octave') ?? ''}` : ''));
    expect(leftHand.join('').trim()).toBe('G2 B3+D4 r B3+D4 r');
    expect(queryAll(doc, '//measure[1]/note[staff="1"]')).toHaveLength(3);
  });

  it('writes the F♯s without accidentals (they are in the key)', () => {
    const fSharps = queryAll(doc, '//note[pitch]').filter((n) => textOf(n, 'pitch/step') === 'F');
    expect(fSharps.length).toBeGreaterThan(0);
    expect(fSharps.every((n) => textOf(n, 'pitch/alter') === '1' && queryAll(n, 'accidental').length === 0)).toBe(true);
  });
});
