/**
 * @jest-environment ./test/fixtures/model/jest-environment.cjs
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildScore,
  DEFAULT_DECODE_METRE_OPTIONS,
  decodeMetre,
  handLevelWeights,
  handBarWeights,
  BAR_FEATURES,
  FITTED_BAR_WEIGHTS,
  metreBarCandidates,
  LEVEL_FEATURES,
  levelScore,
  metreLevelCandidates,
  divisionEvidence,
  loadNotationModel,
  medianOnsetInterval,
  metreFeatures,
  METRE_FEATURE_COUNT,
  METRE_FRAME_RATE_HZ,
  METRE_OUTPUT_CHANNELS,
  parseNotationModelCard,
  type NotationModel,
} from '../../../core/notation';
import type { Note } from '../../../core/types';
import { performed, type BeatNote } from './fixtures';

const ROOT = path.resolve(__dirname, '../../..');
const MODEL = path.join(ROOT, 'models/notescribe-notation-v1.onnx');
const CARD = path.join(ROOT, 'models/notescribe-notation-v1.card.json');

describe('metreFeatures', () => {
  it('matches the training features (training/notation/notation_data.py) on the fixture', () => {
    const fixture = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/notation/metre-features.json'), 'utf8')) as {
      frameRateHz: number;
      notes: Note[];
      frames: number;
      features: number[][];
    };
    expect(fixture.frameRateHz).toBe(METRE_FRAME_RATE_HZ);
    const x = metreFeatures(fixture.notes, fixture.frames);
    expect(fixture.features).toHaveLength(METRE_FEATURE_COUNT);
    const wrong: string[] = [];
    fixture.features.forEach((row, c) =>
      row.forEach((value, f) => {
        const ours = x[c * fixture.frames + f] as number;
        if (Math.abs(ours - value) > 1e-5) wrong.push(`feature ${c} frame ${f}: ${ours} vs ${value}`);
      }),
    );
    expect(wrong).toEqual([]);
  });
});

describe('parseNotationModelCard', () => {
  it('names every field that differs from the engine', () => {
    const card = JSON.parse(readFileSync(CARD, 'utf8')) as Record<string, Record<string, unknown>>;
    const bad = { ...card, input: { ...card['input'], frameRateHz: 100 }, output: { ...card['output'], channels: ['beat'] } };
    expect(() => parseNotationModelCard(JSON.stringify(bad))).toThrow(/input\.frameRateHz is 100.*output\.channels/);
    expect(() => parseNotationModelCard('{')).toThrow(expect.objectContaining({ code: 'MODEL_LOAD_FAILED' }));
  });
});

/** Logits for `frames` frames: beats every `period` frames from `first`, downbeats every `barBeats` beats from `phase`. */
function logits(frames: number, first: number, period: number, barBeats: number, phase: number, compound: boolean): Float32Array {
  const out = new Float32Array(METRE_OUTPUT_CHANNELS.length * frames).fill(-6);
  for (let k = 0, f = first; f < frames; k += 1, f += period) {
    out[f] = 6;
    if ((k - phase) % barBeats === 0) out[frames + f] = 6;
  }
  for (let f = 0; f < frames; f += 1) {
    out[(2 + [2, 3, 4].indexOf(barBeats)) * frames + f] = 4;
    out[5 * frames + f] = compound ? 4 : -4;
  }
  return out;
}

describe('decodeMetre', () => {
  it('reads beats, the bar length, its phase and the division from clean activations', () => {
    const frames = 1000;
    // 96 BPM is 31.25 frames: a period of 31 frames, from frame 40, waltz downbeats on the second beat.
    const notes: Note[] = Array.from({ length: 30 }, (_, k) => ({ pitch: 60, onsetSeconds: (40 + 31 * k) / 50, offsetSeconds: (60 + 31 * k) / 50, velocity: 80 }));
    // Notes only on the beats say nothing of the division: with surfaceBeatsStaySimple off, the division head decides.
    const metre = decodeMetre(logits(frames, 40, 31, 3, 1, true), frames, notes, { surfaceBeatsStaySimple: false });
    expect(metre).toMatchObject({ barBeats: 3, compound: true });
    // By default such a surface of beats is read as simple beats, whatever the head says.
    expect(decodeMetre(logits(frames, 40, 31, 3, 1, true), frames, notes)).toMatchObject({ barBeats: 3, compound: false });
    const beats = metre?.beatTimesSeconds ?? [];
    expect(beats[0]).toBeCloseTo(40 / 50, 5);
    for (let k = 0; k < 30; k += 1) expect(beats[k]).toBeCloseTo((40 + 31 * k) / 50, 5);
    expect(((metre?.downbeatIndex ?? -1) - 1) % 3).toBe(0);
  });

  /** The options that reproduce the frame-local decoder before the beat level was chosen globally. */
  const FRAME_LOCAL = { levelFactors: [], divisionWeight: 0, subBeatPriorWeight: 0, contrastWeight: 0 };
  const medianInterval = (beats: readonly number[]): number => {
    const gaps = beats.slice(1).map((t, k) => t - (beats[k] as number)).sort((a, b) => a - b);
    return gaps[gaps.length >> 1] as number;
  };

  it('takes the faster of two beat levels when the model fires on every beat of it (no octave drop to the prior)', () => {
    // 176 BPM (17 frames) with a sixteenth-note surface, as in Chopin's op. 10 no. 8: the activation's
    // autocorrelation is as high at 34 frames, where the 100 BPM tempo prior would put the beat.
    const frames = 1500;
    const notes: Note[] = Array.from({ length: 300 }, (_, k) => ({ pitch: 60 + (k % 12), onsetSeconds: (40 + 4.25 * k) / 50, offsetSeconds: (44 + 4.25 * k) / 50, velocity: 80 }));
    const act = logits(frames, 40, 17, 4, 0, false);
    expect(medianInterval(decodeMetre(act, frames, notes, FRAME_LOCAL)?.beatTimesSeconds ?? [])).toBeCloseTo(34 / 50, 1);
    const metre = decodeMetre(act, frames, notes);
    expect(medianInterval(metre?.beatTimesSeconds ?? [])).toBeCloseTo(17 / 50, 2);
    expect(metre?.compound).toBe(false);
  });

  it('reads a compound beat from notes that divide it in three, although the division head says simple', () => {
    const frames = 1200;
    // Beats every 30 frames (100 BPM), each divided in three eighths (10 frames), the second eighth left out now and then.
    const notes: Note[] = [];
    for (let b = 0; b < 35; b += 1) {
      for (let j = 0; j < 3; j += 1) {
        if (j === 1 && b % 4 === 3) continue;
        notes.push({ pitch: 60 + j, onsetSeconds: (40 + 30 * b + 10 * j) / 50, offsetSeconds: (48 + 30 * b + 10 * j) / 50, velocity: 80 });
      }
    }
    const act = logits(frames, 40, 30, 2, 0, false);
    expect(decodeMetre(act, frames, notes, FRAME_LOCAL)?.compound).toBe(false);
    const metre = decodeMetre(act, frames, notes);
    expect(metre).toMatchObject({ compound: true, barBeats: 2 });
    expect(medianInterval(metre?.beatTimesSeconds ?? [])).toBeCloseTo(30 / 50, 2);
  });

  it('groups eighths in threes where the model fires on every third and half-believes the others (6/8, not eighth beats)', () => {
    const frames = 1500;
    // Eighths every 20 frames (0.4 s); the model: sure of every third (a dotted quarter), 0.5 on the rest. A bass note
    // with each dotted quarter, two melody notes between.
    const act = new Float32Array(METRE_OUTPUT_CHANNELS.length * frames).fill(-6);
    for (let k = 0, f = 40; f < frames; k += 1, f += 20) {
      act[f] = k % 3 === 0 ? 2 : 0;
      if (k % 6 === 0) act[frames + f] = 2;
    }
    for (let f = 0; f < frames; f += 1) {
      act[2 * frames + f] = 2;
      act[5 * frames + f] = -4;
    }
    const notes: Note[] = Array.from({ length: 66 }, (_, k) => ({
      pitch: k % 3 === 0 ? 48 : 67 + (k % 5),
      onsetSeconds: (40 + 20 * k) / 50,
      offsetSeconds: (40 + 20 * k + (k % 3 === 0 ? 55 : 15)) / 50,
      velocity: k % 3 === 0 ? 90 : 60,
    }));
    const metre = decodeMetre(act, frames, notes);
    expect(metre?.compound).toBe(true);
    expect(medianInterval(metre?.beatTimesSeconds ?? [])).toBeCloseTo(1.2, 2);
    // Unclamped, eighths as beats (no onsets off them: the cleanest fit, 2.7) outweigh the ternary reading (1.5 at most).
    expect(decodeMetre(act, frames, notes, { divisionEvidenceCap: 100 })?.compound).toBe(false);
  });

  /** Eighths (every 15 frames) under beats every 30 frames the model fires on; every fourth off-beat eighth left out. */
  function eighthsUnderBeats(frames: number): { act: Float32Array; notes: Note[] } {
    const notes: Note[] = [];
    for (let k = 0; 40 + 15 * k < frames - 60; k += 1) {
      if (k % 8 === 7) continue;
      notes.push({ pitch: 60 + (k % 7), onsetSeconds: (40 + 15 * k) / 50, offsetSeconds: (52 + 15 * k) / 50, velocity: 80 });
    }
    return { act: logits(frames, 40, 30, 4, 0, false), notes };
  }

  it('offers each beat level read as simple and as compound (only as the division head says where no onsets fall off its beats), with finite features', () => {
    const frames = 1500;
    const { act, notes } = eighthsUnderBeats(frames);
    const candidates = metreLevelCandidates(act, frames, notes);
    const factors = [...new Set(candidates.map((c) => c.factor))].sort((a, b) => a - b);
    expect(factors).toEqual([0.5, 1, 2, 3]);
    for (const factor of [1, 2, 3]) expect(candidates.filter((c) => c.factor === factor).map((c) => c.compound).sort()).toEqual([false, true]);
    // Beats on every eighth leave no onset between them: the head (simple) decides their division.
    expect(candidates.filter((c) => c.factor === 0.5).map((c) => c.compound)).toEqual([false]);
    for (const c of candidates) for (const name of LEVEL_FEATURES) expect(Number.isFinite(c.features[name])).toBe(true);
    // The hand-set weights score the reading decodeMetre takes highest: the beats the model fires on, in two.
    const weights = handLevelWeights(DEFAULT_DECODE_METRE_OPTIONS);
    const best = candidates.reduce((a, b) => (levelScore(b, weights) > levelScore(a, weights) + 1e-9 ? b : a));
    expect(best).toMatchObject({ factor: 1, compound: false });
    expect(decodeMetre(act, frames, notes)?.compound).toBe(false);
  });

  it('chooses by fitted level weights where they are given, and as the hand-set options where they equal them', () => {
    const frames = 1500;
    const { act, notes } = eighthsUnderBeats(frames);
    const hand = decodeMetre(act, frames, notes);
    expect(decodeMetre(act, frames, notes, { levelWeights: handLevelWeights(DEFAULT_DECODE_METRE_OPTIONS) })).toEqual(hand);
    // Weights that want a ternary division above all read the same eighths in threes.
    expect(decodeMetre(act, frames, notes, { levelWeights: { activation: 1, compound: 10 } })?.compound).toBe(true);
  });

  /**
   * Beats every 30 frames the model fires on, with downbeats every fourth beat from beat 0 (a 4/4 reading); the notes
   * put a low bass note, long and with a new harmony, on every third beat from beat 1 (a 3/4 reading).
   */
  function downbeatsAgainstBass(frames: number): { act: Float32Array; notes: Note[] } {
    const notes: Note[] = [];
    for (let k = 0; 40 + 30 * k < frames - 60; k += 1) {
      const onset = (40 + 30 * k) / 50;
      const bassBeat = (k - 1) % 3 === 0;
      notes.push({ pitch: 72 + (k % 3), onsetSeconds: onset, offsetSeconds: onset + 0.4, velocity: 70 });
      if (bassBeat) notes.push({ pitch: 36 + ((k * 5) % 12), onsetSeconds: onset, offsetSeconds: onset + 1.7, velocity: 70 });
    }
    return { act: logits(frames, 40, 30, 4, 0, false), notes };
  }

  it('offers every bar length and phase with finite bar features, the bass contrast highest where the bass notes fall', () => {
    const frames = 1500;
    const { act, notes } = downbeatsAgainstBass(frames);
    const { beats, candidates } = metreBarCandidates(act, frames, notes);
    expect(beats.length).toBeGreaterThan(40);
    expect(candidates.map((c) => `${c.barBeats}:${c.downbeatIndex}`)).toEqual(['2:0', '2:1', '3:0', '3:1', '3:2', '4:0', '4:1', '4:2', '4:3']);
    for (const c of candidates) for (const name of BAR_FEATURES) expect(Number.isFinite(c.features[name])).toBe(true);
    const byBass = candidates.reduce((a, b) => (b.features.bassContrast > a.features.bassContrast ? b : a));
    // Beat 0 lies before the first note, so the phases index the extended beats: find beat 1's phase in threes.
    const firstBass = beats.findIndex((t) => Math.abs(t - (40 + 30) / 50) < 0.02);
    expect(byBass.barBeats).toBe(3);
    expect((firstBass - byBass.downbeatIndex) % 3).toBe(0);
    const byActivation = candidates.reduce((a, b) => (b.features.downbeatContrast > a.features.downbeatContrast ? b : a));
    expect(byActivation.barBeats).toBe(4);
  });

  it('chooses the bar by the given bar weights: the hand-set ones follow the downbeat activation, a bass-led set the bass', () => {
    const frames = 1500;
    const { act, notes } = downbeatsAgainstBass(frames);
    const hand = decodeMetre(act, frames, notes, { barWeights: handBarWeights(DEFAULT_DECODE_METRE_OPTIONS) });
    expect(hand?.barBeats).toBe(4);
    // Undefined bar weights are the hand-set ones.
    expect(decodeMetre(act, frames, notes, { barWeights: undefined })).toEqual(hand);
    const bassLed = decodeMetre(act, frames, notes, { barWeights: { downbeatContrast: 1, bassContrast: 2, harmonyContrast: 2 } });
    expect(bassLed?.barBeats).toBe(3);
    expect(bassLed?.beatTimesSeconds).toEqual(hand?.beatTimesSeconds);
    // The default is the fitted set, which weighs every feature.
    expect(DEFAULT_DECODE_METRE_OPTIONS.barWeights).toBe(FITTED_BAR_WEIGHTS);
    for (const name of BAR_FEATURES) expect(FITTED_BAR_WEIGHTS[name]).not.toBe(0);
  });

  it('gives undefined when there is no beat activation at all', () => {
    const frames = 300;
    const notes: Note[] = [{ pitch: 60, onsetSeconds: 0.5, offsetSeconds: 5, velocity: 80 }];
    expect(decodeMetre(new Float32Array(6 * frames).fill(-30), frames, notes)).toBeUndefined();
  });
});

describe('divisionEvidence and medianOnsetInterval', () => {
  const at = (times: number[]): Note[] => times.map((t) => ({ pitch: 60, onsetSeconds: t, offsetSeconds: t + 0.1, velocity: 80 }));
  const beats = Array.from({ length: 21 }, (_, k) => k);

  it('is positive for onsets on a beat\'s thirds, negative on its halves and quarters, 0 without off-beat onsets', () => {
    expect(divisionEvidence(at(beats.slice(0, 20).flatMap((b) => [b, b + 1 / 3, b + 2 / 3])), beats)).toBeGreaterThan(1);
    expect(divisionEvidence(at(beats.slice(0, 20).flatMap((b) => [b, b + 0.25, b + 0.5, b + 0.75])), beats)).toBeLessThan(-1);
    expect(divisionEvidence(at(beats.slice(0, 20)), beats)).toBe(0);
  });

  it('takes the median gap between onset events, a chord counting once', () => {
    const chords = at([0, 0.5, 1, 1.25, 1.5, 2, 2.5, 3, 3.5]).flatMap((n) => [n, { ...n, pitch: 64, onsetSeconds: n.onsetSeconds + 0.01 }]);
    expect(medianOnsetInterval(chords)).toBeCloseTo(0.5, 5);
    expect(medianOnsetInterval(at([0, 1, 2]))).toBeUndefined();
  });
});

describe('the committed notation model', () => {
  let model: NotationModel;
  beforeAll(async () => {
    model = await loadNotationModel(new Uint8Array(readFileSync(MODEL)), parseNotationModelCard(readFileSync(CARD)), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await model?.release();
  });

  /** A waltz at 120 BPM: a loud bass note on each downbeat, soft chords on beats two and three, a melody above. */
  function waltz(bars: number): BeatNote[] {
    const spec: BeatNote[] = [];
    const melody = [72, 74, 76, 77, 79, 77, 76, 74];
    for (let bar = 0; bar < bars; bar += 1) {
      const b = bar * 3;
      spec.push([43 + (bar % 2) * 5, b, 1, 100], [72 - 12, b + 1, 1, 50], [64, b + 1, 1, 50], [60, b + 2, 1, 50], [64, b + 2, 1, 50]);
      spec.push([melody[bar % melody.length] as number, b, 2, 85], [(melody[(bar + 1) % melody.length] as number) - 2, b + 2, 1, 75]);
    }
    return spec;
  }

  it('hears a 3/4 waltz at 120 BPM: 3-beat bars, downbeats on the bass, beats within 50 ms', async () => {
    const notes = performed(waltz(16), { bpm: 120, jitterSeconds: 0.01, offsetSeconds: 0.5 });
    const metre = await model.estimateMetre(notes);
    expect(metre).toMatchObject({ barBeats: 3, compound: false });
    const beats = metre?.beatTimesSeconds ?? [];
    // Every played beat (0.5 s apart from 0.5 s) has a tracked beat within 50 ms.
    const missed = Array.from({ length: 48 }, (_, k) => 0.5 + 0.5 * k).filter((t) => !beats.some((b) => Math.abs(b - t) <= 0.05));
    expect(missed).toEqual([]);
    const downbeat = beats[metre?.downbeatIndex ?? 0] as number;
    expect(Math.abs(((downbeat - 0.5) / 0.5) % 3)).toBeLessThan(0.1);
    const score = buildScore(notes, { ...(metre === undefined ? {} : { metre }) });
    expect(score.timeSignature).toEqual({ beats: 3, beatType: 4 });
  });
});
