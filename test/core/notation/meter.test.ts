import { beatPosition, buildScore, chooseMeter, isCompound, toMusicXml, trackBeats } from '../../../core/notation';
import { assertValidMusicXml, attributeOf, parseXml, queryAll, queryOne, textOf } from '../../helpers/xml';
import { performed, type BeatNote } from './fixtures';

/** Waltz: a loud bass note on beat 1, softer chords on beats 2 and 3 (oom-pah-pah). */
function waltz(bars: number): BeatNote[] {
  const spec: BeatNote[] = [];
  for (let bar = 0; bar < bars; bar += 1) {
    const b = bar * 3;
    spec.push([43 + (bar % 2) * 5, b, 1, 105], [67 + (bar % 3), b, 3, 90]);
    spec.push([59, b + 1, 1, 55], [62, b + 1, 1, 55], [59, b + 2, 1, 55], [62, b + 2, 1, 55]);
  }
  return spec;
}

/** March: bass on 1 and 3 (1 louder), chords on 2 and 4. */
function march(bars: number): BeatNote[] {
  const spec: BeatNote[] = [];
  for (let bar = 0; bar < bars; bar += 1) {
    const b = bar * 4;
    spec.push([48, b, 1, 110], [72, b, 2, 95], [60, b + 1, 1, 55], [64, b + 1, 1, 55]);
    spec.push([43, b + 2, 1, 85], [74, b + 2, 2, 80], [60, b + 3, 1, 55], [64, b + 3, 1, 55]);
  }
  return spec;
}

describe('chooseMeter', () => {
  it('reads a waltz as 3/4 with the bass notes on the downbeats', () => {
    const notes = performed(waltz(8), { bpm: 150, jitterSeconds: 0.01, seed: 9, offsetSeconds: 0.4 });
    const score = buildScore(notes);
    expect(score.timeSignature).toEqual({ beats: 3, beatType: 4 });
    // The first bass note starts measure 1: its quantised position is the bar's first division.
    const firstStaff2 = score.parts[0]?.measures[0]?.voices.find((v) => v.staff === 2)?.elements[0];
    expect(firstStaff2?.pitches.map((p) => p.midi)).toEqual([43]);
    expect(score.parts[0]?.measures).toHaveLength(8);
  });

  it('reads a march as 4/4', () => {
    const notes = performed(march(6), { bpm: 110, jitterSeconds: 0.01, seed: 3 });
    const beats = trackBeats(notes, { fromSeconds: 0, toSeconds: 14 }).beatTimesSeconds;
    const meter = chooseMeter(notes, beats);
    expect(meter.beatsPerMeasure).toBe(4);
    expect(meter.evidence[4]).toBeGreaterThan(meter.evidence[3] ?? 0);
    // The phase puts the first note (t = 0) on a downbeat.
    expect(((Math.round(beatPosition(beats, 0)) - meter.downbeatPhase) % 4 + 4) % 4).toBe(0);
  });

  it('opens with a pickup bar (measure 0, implicit) when the music starts with an upbeat', () => {
    // One upbeat quarter, then four bars of march.
    const spec: BeatNote[] = [[67, -1, 1, 60], ...march(4)];
    const score = buildScore(performed(spec, { bpm: 120, offsetSeconds: 0.5 }));
    const measures = score.parts[0]?.measures ?? [];
    expect(measures.map((m) => `${m.number}${m.implicit ? 'i' : ''}:${m.duration}`)).toEqual(['0i:24', '1:96', '2:96', '3:96', '4:96']);
    const pickup = measures[0]?.voices.map((v) => v.elements.map((e) => `${e.duration}:${e.pitches.map((p) => p.midi).join(',') || 'rest'}`));
    expect(pickup).toEqual([['24:67'], ['24:rest']]);
    const xml = toMusicXml(score);
    assertValidMusicXml(xml);
    const first = queryOne(parseXml(xml), '//measure[1]');
    expect([attributeOf(first, 'number'), attributeOf(first, 'implicit')]).toEqual(['0', 'yes']);
    expect(textOf(first, 'attributes/divisions')).toBe('24');
    expect(textOf(first, 'backup/duration')).toBe('24');
    expect(textOf(first, 'direction/direction-type/metronome/per-minute')).toBe('120');
  });

  it('keeps a first note on beat 2 inside a full first bar (no pickup for an early start)', () => {
    const spec: BeatNote[] = [[67, 1, 1, 60], [69, 2, 1], [71, 3, 1], ...march(4).map(([p, b, l, v]): BeatNote => [p, b + 4, l, v ?? 70])];
    const score = buildScore(performed(spec, { bpm: 120 }));
    const first = score.parts[0]?.measures[0];
    expect([first?.number, first?.implicit, first?.duration]).toEqual([1, false, 96]);
    expect(first?.voices[0]?.elements.map((e) => e.pitches.map((p) => p.midi).join(',') || 'rest')).toEqual(['rest', '67', '69', '71']);
  });
});

describe('compound metres', () => {
  /** 6/8 at dotted quarter = 70: a loud bass on each bar, a softer one on beat 2, eighths in threes above. */
  function jig(bars: number): BeatNote[] {
    const spec: BeatNote[] = [];
    for (let bar = 0; bar < bars; bar += 1) {
      const b = bar * 2;
      spec.push([43, b, 1, 110], [50, b + 1, 1, 70]);
      for (let e = 0; e < 6; e += 1) spec.push([67 + ((bar + e) % 5), b + e / 3, 1 / 3, e === 0 ? 100 : 65]);
    }
    return spec;
  }

  it('reads eighths in threes as 6/8 with the dotted quarter as the beat, without triplets', () => {
    const score = buildScore(performed(jig(8), { bpm: 70, jitterSeconds: 0.01, seed: 5 }));
    expect(score.timeSignature).toEqual({ beats: 6, beatType: 8 });
    const measures = score.parts[0]?.measures ?? [];
    expect(measures).toHaveLength(8);
    expect(measures.every((m) => m.duration === 72)).toBe(true);
    const treble = measures[1]?.voices.find((v) => v.staff === 1)?.elements ?? [];
    expect(treble.map((e) => `${e.duration}${e.type ?? ''}${e.tuplet === undefined ? '' : '3'}`)).toEqual(Array(6).fill('12eighth'));
    const bass = measures[1]?.voices.find((v) => v.staff === 2)?.elements ?? [];
    expect(bass.map((e) => `${e.duration}${e.type ?? ''}${'.'.repeat(e.dots)}`)).toEqual(['36quarter.', '36quarter.']);
    // The quarter-note grid runs at 1.5 × the dotted-quarter tempo: 105 quarters per minute.
    expect(measures[0]?.tempoBpm).toBeGreaterThan(100);
    expect(measures[0]?.tempoBpm).toBeLessThan(110);
    const xml = toMusicXml(score);
    assertValidMusicXml(xml);
    // The metronome mark counts dotted quarters (♩. = 70); the sound's tempo stays in quarters.
    const metronome = queryOne(parseXml(xml), '//measure[1]/direction/direction-type/metronome');
    expect(queryAll(metronome, 'beat-unit-dot')).toHaveLength(1);
    expect(Number(textOf(metronome, 'per-minute'))).toBeCloseTo((measures[0]?.tempoBpm ?? 0) / 1.5, 0);
  });

  it('keeps straight eighths and sixteenths in simple time', () => {
    expect(isCompound(performed(march(6), { bpm: 110, jitterSeconds: 0.01, seed: 3 }), Array.from({ length: 30 }, (_, k) => (k * 60) / 110))).toBe(false);
  });
});
