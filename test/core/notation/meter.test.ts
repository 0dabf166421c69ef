import { beatPosition, buildScore, chooseMeter, trackBeats } from '../../../core/notation';
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
    expect(meter.evidence[4]).toBeGreaterThan(meter.evidence[3]);
    // The phase puts the first note (t = 0) on a downbeat.
    expect(((Math.round(beatPosition(beats, 0)) - meter.downbeatPhase) % 4 + 4) % 4).toBe(0);
  });

  it('starts the score at the downbeat after an upbeat, leaving rests before it', () => {
    // One upbeat quarter, then four bars of march: the upbeat sits on beat 4 of an otherwise empty first bar.
    const spec: BeatNote[] = [[67, -1, 1, 60], ...march(4)];
    const notes = performed(spec, { bpm: 120, offsetSeconds: 0.5 });
    const score = buildScore(notes);
    const first = score.parts[0]?.measures[0]?.voices[0]?.elements ?? [];
    expect(first.map((e) => `${e.position}+${e.duration}:${e.pitches.map((p) => p.midi).join(',') || 'rest'}`)).toEqual(['0+36:rest', '36+12:67']);
    expect(score.parts[0]?.measures).toHaveLength(5);
  });
});
