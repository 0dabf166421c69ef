import { buildScore, toMusicXml } from '../../../core/notation';
import type { Note } from '../../../core/types';
import { assertValidMusicXml, attributeOf, parseXml, queryAll, queryOne, textOf, textsOf, type XmlNode } from '../../helpers/xml';
import { bassDownbeats, performed, type BeatNote } from './fixtures';

/** Builds, serialises, validates against the XSD and parses: every file a test writes is schema-checked. */
function render(notes: readonly Note[], title = 'Test'): { doc: XmlNode; xml: string } {
  const xml = toMusicXml(buildScore(notes, { title }));
  assertValidMusicXml(xml);
  return { doc: parseXml(xml), xml };
}

const CMAJOR_TWO_BARS: BeatNote[] = [
  [60, 0, 1, 100], [62, 1, 1], [64, 2, 1], [65, 3, 1],
  [67, 4, 1, 100], [65, 5, 1], [64, 6, 1], [62, 7, 1],
  ...bassDownbeats(2),
];

describe('toMusicXml', () => {
  it('writes a MusicXML 4.0 partwise document with DOCTYPE, title, part list and grand-staff attributes', () => {
    const { doc, xml } = render(performed(CMAJOR_TWO_BARS), 'Tom & "Jerry" <live>');
    expect(xml).toContain('<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN"');
    expect(attributeOf(queryOne(doc, 'score-partwise'), 'version')).toBe('4.0');
    expect(textOf(doc, 'score-partwise/work/work-title')).toBe('Tom & "Jerry" <live>');
    expect(xml).toContain('Tom &amp; "Jerry" &lt;live&gt;');
    expect(textOf(doc, 'score-partwise/part-list/score-part/part-name')).toBe('Piano');
    const attributes = 'score-partwise/part/measure[1]/attributes';
    expect(textOf(doc, `${attributes}/divisions`)).toBe('24');
    expect(textOf(doc, `${attributes}/key/fifths`)).toBe('0');
    expect(textOf(doc, `${attributes}/key/mode`)).toBe('major');
    expect(textsOf(doc, `${attributes}/time/*`)).toEqual(['4', '4']);
    expect(textOf(doc, `${attributes}/staves`)).toBe('2');
    expect(queryAll(doc, `${attributes}/clef`).map((c) => `${attributeOf(c, 'number')}:${textOf(c, 'sign')}${textOf(c, 'line')}`)).toEqual([
      '1:G2',
      '2:F4',
    ]);
    expect(textOf(doc, '//measure[1]/direction/sound') ?? '').toBe('');
    expect(attributeOf(queryOne(doc, '//measure[1]/direction/sound'), 'tempo')).toBe('120');
    expect(textOf(doc, '//measure[1]/direction/direction-type/metronome/per-minute')).toBe('120');
  });

  it('puts the melody on the treble staff and the bass on the bass staff, in quarters and whole notes', () => {
    const { doc } = render(performed(CMAJOR_TWO_BARS));
    expect(queryAll(doc, '//measure')).toHaveLength(2);
    const notes = queryAll(doc, '//measure[1]/note');
    expect(textOf(queryOne(doc, '//measure[1]/note[3]'), 'duration')).toBe('24');
    expect(notes.map((n) => `${textOf(n, 'pitch/step')}${textOf(n, 'pitch/octave')}/${textOf(n, 'type')}/staff${textOf(n, 'staff')}`)).toEqual([
      'C4/quarter/staff1',
      'D4/quarter/staff1',
      'E4/quarter/staff1',
      'F4/quarter/staff1',
      'C3/whole/staff2',
    ]);
    expect(textOf(doc, '//measure[1]/backup/duration')).toBe('96');
    expect(textsOf(doc, '//measure[2]/note/voice')).toEqual(['1', '1', '1', '1', '5']);
    expect(attributeOf(queryOne(doc, '//measure[2]/barline'), 'location')).toBe('right');
  });

  it('ties a note across the bar line and splits an unwritable length into tied values', () => {
    // Bar 1: quarter, quarter, then a note from beat 3 lasting 2.5 beats (into bar 2), then an eighth and a quarter.
    const spec: BeatNote[] = [[72, 0, 1, 100], [71, 1, 1], [69, 2, 1], [67, 3, 2.5], [65, 5.5, 0.5], [64, 6, 1], [62, 7, 1], ...bassDownbeats(2)];
    const { doc } = render(performed(spec));
    expect(textsOf(doc, '//measure[1]/note[staff="1"]/duration')).toEqual(['24', '24', '24', '24']);
    const last = queryOne(doc, '//measure[1]/note[4]');
    expect(textOf(last, 'pitch/step')).toBe('G');
    expect(textOf(last, 'duration')).toBe('24');
    expect(queryAll(last, 'tie').map((t) => attributeOf(t, 'type'))).toEqual(['start']);
    expect(queryAll(last, 'notations/tied').map((t) => attributeOf(t, 'type'))).toEqual(['start']);
    const first = queryOne(doc, '//measure[2]/note[1]');
    expect(textOf(first, 'pitch/step')).toBe('G');
    // 1.5 beats left in bar 2: a dotted quarter, tied from bar 1.
    expect(textOf(first, 'duration')).toBe('36');
    expect(textOf(first, 'type')).toBe('quarter');
    expect(queryAll(first, 'dot')).toHaveLength(1);
    expect(queryAll(first, 'tie').map((t) => attributeOf(t, 'type'))).toEqual(['stop']);
    expect(textsOf(doc, '//measure[2]/note[2]/duration')).toEqual(['12']);
  });

  it('recognises triplets and writes them with time-modification and a bracket', () => {
    const third = 1 / 3;
    const spec: BeatNote[] = [
      [72, 0, 1, 100], [74, 1, third], [76, 1 + third, third], [77, 1 + 2 * third, third], [79, 2, 2],
      [72, 4, 1, 100], [71, 5, 0.5], [69, 5.5, 0.5], [67, 6, 2],
      ...bassDownbeats(2),
    ];
    const { doc } = render(performed(spec, { jitterSeconds: 0.01, seed: 7 }));
    const triplets = queryAll(doc, '//measure[1]/note[time-modification]');
    expect(triplets.map((n) => `${textOf(n, 'pitch/step')}:${textOf(n, 'duration')}:${textOf(n, 'type')}`)).toEqual(['D:8:eighth', 'E:8:eighth', 'F:8:eighth']);
    expect(textsOf(triplets[0] as XmlNode, 'time-modification/*')).toEqual(['3', '2']);
    expect(queryAll(doc, '//measure[1]/note/notations/tuplet').map((t) => attributeOf(t, 'type'))).toEqual(['start', 'stop']);
    // The straight eighths of bar 2 stay binary.
    expect(queryAll(doc, '//measure[2]/note[time-modification]')).toHaveLength(0);
    expect(textsOf(doc, '//measure[2]/note[2]/duration')).toEqual(['12']);
  });

  it('writes simultaneous notes as a chord: <chord/> on every note after the first', () => {
    // A walking bass in quarters fixes the beat.
    const bass = [48, 47, 45, 43].map((p, beat): BeatNote => [p, beat, 1, beat === 0 ? 110 : 80]);
    const spec: BeatNote[] = [[60, 0, 2, 100], [64, 0, 2, 100], [67, 0, 2, 100], [65, 2, 2], [69, 2, 2], [72, 2, 2], ...bass];
    const { doc } = render(performed(spec));
    const treble = queryAll(doc, '//measure[1]/note').filter((n) => textOf(n, 'staff') === '1');
    expect(treble.map((n) => `${queryAll(n, 'chord').length}${textOf(n, 'pitch/step')}`)).toEqual(['0C', '1E', '1G', '0F', '1A', '1C']);
    expect(textsOf(doc, '//measure[1]/note/type').slice(0, 6)).toEqual(Array(6).fill('half'));
  });

  it('uses the key signature of the notes and spells accidentals to fit it', () => {
    // G major scale up and down with an F natural at the end: F# needs no accidental, the F natural does.
    const melody = [67, 69, 71, 72, 74, 76, 78, 79, 78, 76, 74, 72, 71, 69, 67, 65].map((p, i): BeatNote => [p, i, 1, i % 4 === 0 ? 100 : 70]);
    const bass = [43, 50, 47, 43].map((p, bar): BeatNote => [p, bar * 4, 4, 110]);
    const { doc } = render(performed([...melody, ...bass]));
    expect(textOf(doc, '//attributes/key/fifths')).toBe('1');
    const fSharps = queryAll(doc, '//note').filter((n) => textOf(n, 'pitch/step') === 'F' && textOf(n, 'pitch/alter') === '1');
    expect(fSharps).toHaveLength(2);
    expect(fSharps.every((n) => queryAll(n, 'accidental').length === 0)).toBe(true);
    const fNatural = queryAll(doc, '//measure[4]/note').find((n) => textOf(n, 'pitch/step') === 'F') as XmlNode;
    expect(textOf(fNatural, 'pitch/alter')).toBeUndefined();
    expect(textOf(fNatural, 'accidental')).toBe('natural');
  });

  it('writes an empty note list as one bar of whole-measure rests on both staves', () => {
    const { doc } = render([]);
    expect(queryAll(doc, '//measure')).toHaveLength(1);
    const rests = queryAll(doc, '//measure/note');
    expect(rests).toHaveLength(2);
    expect(rests.map((n) => `${attributeOf(queryOne(n, 'rest'), 'measure')}:${textOf(n, 'duration')}:${textOf(n, 'staff')}`)).toEqual([
      'yes:96:1',
      'yes:96:2',
    ]);
  });

  it('writes a second voice with <backup> where rhythms overlap on one staff', () => {
    // A held half note under moving quarters, both in the right hand.
    const spec: BeatNote[] = [[76, 0, 1, 100], [77, 1, 1], [79, 2, 1], [77, 3, 1], [67, 0, 2, 90], [65, 2, 2], ...bassDownbeats(1, 4, 41)];
    const { doc } = render(performed(spec));
    const voices = queryAll(doc, '//measure[1]/note').map((n) => `${textOf(n, 'voice')}${textOf(n, 'staff')}`);
    expect(voices).toEqual(['11', '11', '11', '11', '21', '21', '52']);
    expect(textsOf(doc, '//measure[1]/backup/duration')).toEqual(['96', '96']);
  });

  it('writes a dynamic mark where the playing level changes for more than one bar', () => {
    // Bars 1–2 forte (velocity ~96), bar 3 piano, bar 4 one loud bar (an accent, no mark), bars 5–6 piano again.
    const levels = [96, 96, 49, 112, 49, 49];
    const spec: BeatNote[] = levels.flatMap((velocity, bar) =>
      [0, 1, 2, 3].map((beat): BeatNote => [60 + beat * 2, bar * 4 + beat, 1, beat === 0 ? Math.min(127, velocity + 6) : velocity]),
    );
    const { doc } = render(performed([...spec, ...bassDownbeats(6).map(([p, b, l]): BeatNote => [p, b, l, (levels[b / 4] ?? 0) + 6])]));
    const marks = queryAll(doc, '//measure').map((m) => queryAll(m, 'direction/direction-type/dynamics/*').map((d) => d.nodeName).join(''));
    expect(marks).toEqual(['f', '', 'p', '', '', '']);
    expect(attributeOf(queryOne(doc, '//measure[3]/direction[@placement="below"]/sound'), 'dynamics')).toBe('54');
  });

  it('keeps one dynamic mark while the level wavers between two marks from bar to bar', () => {
    const levels = [80, 90, 70, 90, 70, 88];
    const spec: BeatNote[] = levels.flatMap((velocity, bar) => [0, 1, 2, 3].map((beat): BeatNote => [60 + beat * 2, bar * 4 + beat, 1, velocity]));
    const { doc } = render(performed([...spec, ...bassDownbeats(6).map(([p, b, l]): BeatNote => [p, b, l, levels[b / 4] ?? 0])]));
    const marks = queryAll(doc, '//measure').map((m) => queryAll(m, 'direction/direction-type/dynamics/*').map((d) => d.nodeName).join(''));
    expect(marks).toEqual(['mf', '', '', '', '', '']);
  });

  it('beams eighths and sixteenths within each beat, with a second beam only between sixteenths', () => {
    const spec: BeatNote[] = [
      [72, 0, 0.5, 100], [74, 0.5, 0.5],
      [76, 1, 0.25], [77, 1.25, 0.25], [79, 1.5, 0.25], [77, 1.75, 0.25],
      [76, 2, 0.5], [74, 2.5, 0.25], [72, 2.75, 0.25],
      [71, 3, 1],
      ...bassDownbeats(1, 4, 48),
    ];
    const { doc } = render(performed(spec, { legato: 1 }));
    const treble = queryAll(doc, '//measure[1]/note[staff="1"]');
    const beams = treble.map((n) => queryAll(n, 'beam').map((b) => `${attributeOf(b, 'number')}${textOf(b, '.') ?? b.textContent ?? ''}`).join(' '));
    expect(beams).toEqual([
      '1begin', '1end',
      '1begin 2begin', '1continue 2continue', '1continue 2continue', '1end 2end',
      '1begin', '1continue 2begin', '1end 2end',
      '',
    ]);
    // The bass's whole note has none.
    expect(queryAll(doc, '//measure[1]/note[staff="2"]/beam')).toHaveLength(0);
  });

  it("skips the second voice's gaps with <forward> instead of writing rests", () => {
    const spec: BeatNote[] = [[76, 0, 1, 100], [77, 1, 1], [79, 2, 1], [77, 3, 1], [67, 0, 2, 90], ...bassDownbeats(1, 4, 41)];
    const { doc } = render(performed(spec));
    expect(textsOf(doc, '//measure[1]/note[voice="2"]/pitch/step')).toEqual(['G']);
    expect(queryAll(doc, '//measure[1]/note[voice="2"]').filter((n) => queryAll(n, 'rest').length > 0)).toHaveLength(0);
    const forward = queryOne(doc, '//measure[1]/forward');
    expect([textOf(forward, 'duration'), textOf(forward, 'voice'), textOf(forward, 'staff')]).toEqual(['48', '2', '1']);
  });
});

describe('registers', () => {
  it('moves a left hand playing around G4 to the treble clef and back, and puts a right hand around G6 under 8va', () => {
    const spec: BeatNote[] = [
      // Bar 1: ordinary. Bar 2: the left hand climbs to G4/B4 (treble clef), the right hand to G6–C7 (8va).
      ...[0, 1, 2, 3].map((b): BeatNote => [72 + b, b, 1, 80]),
      [48, 0, 4, 100],
      ...[4, 5, 6, 7].map((b): BeatNote => [91 + (b % 2) * 5, b, 1, 80]),
      [67, 4, 2, 90], [71, 6, 2, 90],
      // Bar 3: back to normal.
      ...[8, 9, 10, 11].map((b): BeatNote => [72 - (b - 8), b, 1, 80]),
      [45, 8, 4, 100],
    ];
    const { doc } = render(performed(spec, { legato: 1 }));
    const clefOf = (measure: number): string => queryAll(doc, `//measure[${measure}]/attributes/clef[@number="2"]`).map((c) => `${textOf(c, 'sign')}${textOf(c, 'line')}`).join('');
    expect([clefOf(1), clefOf(2), clefOf(3)]).toEqual(['F4', 'G2', 'F4']);
    const shifts = queryAll(doc, '//octave-shift').map((o) => `${attributeOf(o, 'type')}`);
    expect(shifts).toEqual(['down', 'stop']);
    expect(queryAll(doc, '//measure[2]/direction/direction-type/octave-shift')).toHaveLength(2);
    // Pitches stay the sounding ones under the 8va line.
    expect(textsOf(doc, '//measure[2]/note[staff="1"]/pitch/octave')).toEqual(['6', '7', '6', '7']);
  });
});
