/** `buildScore`: performed notes → a notated piano score (tempo, meter, key, quantised voices on a grand staff). */
import type { Note } from '../types';
import { DIVISIONS_PER_QUARTER, DYNAMIC_VELOCITIES, MIN_NOTE_SECONDS, TEMPO_CHANGE_THRESHOLD } from './constants';
import type { ScoreHints } from './hints';
import { estimateKey, fitKey } from './key';
import { layoutMeasures, measureBounds } from './layout';
import { beatPosition, planMetre, type MetrePlan } from './meter';
import type { MetreEstimate } from './metre-model';
import type { Dynamic, Score } from './model';
import { quantiseNotes, type QuantisedNote } from './quantise';
import { assignStaves, assignVoices } from './staves';
import { trackBeats } from './tempo';

/** Options of `buildScore`. */
export interface BuildScoreOptions {
  /** Work title when the hints give none (the CLI passes the file name). @default 'Untitled' */
  readonly title?: string;
  /** What the user knows: forced tempo, time signature and key; title and composer for the header. */
  readonly hints?: ScoreHints;
  /**
   * Beats and metre from the notation model (core/notation/metre-model.ts `NotationModel.estimateMetre`): used in
   * place of the rule-based beat tracker and metre choice. A hinted tempo or time signature still wins: with either
   * hint the rules decide, over the model's beats when the hint is only a time signature.
   * @default the rules
   */
  readonly metre?: MetreEstimate;
  /**
   * Probability (0…1) that the left hand plays each note, in the order of `sanitiseNotes(notes)` (core/notation
   * `HandsModel.leftHand`): a cost term of the rule-based split (core/notation/staves.ts `assignStaves`), so the
   * model moves notes the register would misplace while the continuity costs keep lines from flipping staves. A list
   * of another length is ignored. @default the rules alone
   */
  readonly leftHand?: ArrayLike<number>;
}

/**
 * Drops notes with non-finite times and clamps the rest into range (pitch 12–127, as MusicXML octaves run 0–9;
 * velocity 1–127; onset ≥ 0; at least MIN_NOTE_SECONDS long), sorted by onset then pitch: a transcription may
 * contain anything, and the score must not throw.
 */
export function sanitiseNotes(notes: readonly Note[]): Note[] {
  const clean: Note[] = [];
  for (const note of notes) {
    if (![note.pitch, note.onsetSeconds, note.offsetSeconds, note.velocity].every(Number.isFinite)) continue;
    const onsetSeconds = Math.max(0, note.onsetSeconds);
    clean.push({
      pitch: Math.min(127, Math.max(12, Math.round(note.pitch))),
      onsetSeconds,
      offsetSeconds: Math.max(onsetSeconds + MIN_NOTE_SECONDS, note.offsetSeconds),
      velocity: Math.min(127, Math.max(1, Math.round(note.velocity))),
    });
  }
  return clean.sort((a, b) => a.onsetSeconds - b.onsetSeconds || a.pitch - b.pitch);
}

/**
 * Builds the notation of performed notes: beats (Ellis-style tracking, tempo changes allowed), the metre (4/4, 3/4,
 * 6/8, 9/8 or 12/8, or the hinted one) with the downbeat phase and a pickup bar, a Temperley key (or the hinted
 * one), per-beat quantisation (sixteenths, triplets, 32nds where dense), a grand staff split by hand, two voices per
 * staff, measures with ties, rests, beams, clef changes, 8va and accidentals. Never throws on odd input; an empty
 * list gives one bar of rest.
 *
 * @example
 * const score = buildScore(notes, { title: 'Prelude' });
 * const xml = toMusicXml(score);
 */
export function buildScore(notes: readonly Note[], options: BuildScoreOptions = {}): Score {
  const hints = options.hints ?? {};
  const clean = sanitiseNotes(notes);
  const firstOnset = clean[0]?.onsetSeconds ?? 0;
  const lastOffset = clean.reduce((end, n) => Math.max(end, n.offsetSeconds), 0);
  const learned = hints.tempoBpm === undefined && options.metre !== undefined && options.metre.beatTimesSeconds.length >= 2 ? options.metre : undefined;
  const tracked =
    learned?.beatTimesSeconds ??
    trackBeats(clean, { fromSeconds: firstOnset, toSeconds: lastOffset }, hints.tempoBpm === undefined ? {} : { tempoBpm: hints.tempoBpm }).beatTimesSeconds;
  // Four spare beats in front so that a downbeat before the first note always exists.
  const spare = 4;
  const beats = extrapolate(tracked, spare, 0);
  const plan = learned === undefined || hints.timeSignature !== undefined ? planMetre(clean, beats, hints.timeSignature) : learnedPlan(learned, beats, spare);
  const { timeSignature, quartersPerBeat: r, beats: metreBeats } = plan;
  // Bar length in quarters: 3/8 is 1.5, 6/8 is 3, 2/2 is 4.
  const m = (4 * timeSignature.beats) / timeSignature.beatType;
  // Measure 1 starts at the last downbeat at or just after (within quantisation) the first onset; positions from here
  // on are in quarters from that downbeat.
  const firstTracked = beatPosition(metreBeats, firstOnset);
  const barTracked = m / r;
  const downbeat = Math.max(0, plan.downbeatPhase + barTracked * Math.floor((firstTracked + 0.25 / r - plan.downbeatPhase) / barTracked));
  const firstQuarter = (firstTracked - downbeat) * r;
  // A first note in the second half of that bar is an upbeat: the score opens with a pickup bar from its beat (its
  // eighth in compound metres, whose beats are dotted quarters).
  const unit = plan.compound ? 0.5 : 1;
  const intoBar = Math.max(0, Math.floor((firstQuarter + 0.25) / unit) * unit);
  const pickupQuarters = intoBar >= m / 2 && intoBar < m ? m - intoBar : 0;
  const startQuarter = pickupQuarters > 0 ? intoBar : 0;
  // The score's quarter-note grid, beat 0 at the first bar line (of the pickup bar, if any).
  let scoreBeats = quarterGrid(metreBeats, downbeat, startQuarter, r);
  const { notes: quantised } = quantiseNotes(clean, scoreBeats, plan.compound ? { binaryOnly: true } : {});
  const measureLength = Math.round(m * DIVISIONS_PER_QUARTER);
  const pickup = Math.round(pickupQuarters * DIVISIONS_PER_QUARTER);
  const lastTick = quantised.reduce((end, n) => Math.max(end, n.end), 0);
  const fullMeasures = Math.max(1, Math.ceil((lastTick - pickup) / measureLength));
  // Beat position (fractional in bars such as 3/8) where each measure starts, and the closing bar line.
  const measureStarts = [...(pickup > 0 ? [0] : []), ...Array.from({ length: fullMeasures + 1 }, (_, k) => pickupQuarters + k * m)];
  scoreBeats = extrapolate(scoreBeats, 0, Math.max(0, Math.ceil(measureStarts[measureStarts.length - 1] as number) + 1 - scoreBeats.length));
  const key = hints.key === undefined ? estimateKey(clean) : fitKey(clean, hints.key);
  const leftHand = options.leftHand !== undefined && options.leftHand.length === clean.length ? quantisedLeftHand(quantised, options.leftHand) : undefined;
  const staffOf = assignStaves(quantised, leftHand);
  const noteStaves = new Array<number>(clean.length).fill(1);
  quantised.forEach((note, k) => {
    for (const source of note.sources ?? []) noteStaves[source] = staffOf[k] as number;
  });
  const onStaff = (staff: number): QuantisedNote[] => quantised.filter((_, i) => staffOf[i] === staff);
  const measures = layoutMeasures({
    staves: [assignVoices(onStaff(1)), assignVoices(onStaff(2))],
    measureLength,
    pickup,
    beatLength: Math.round(r * DIVISIONS_PER_QUARTER),
    key,
    tempoMarks: tempoMarks(scoreBeats, measureStarts),
    dynamicMarks: dynamicMarks(quantised, measureBounds(pickup, measureLength, lastTick)),
  });
  return {
    title: xmlSafe(hints.title ?? options.title ?? 'Untitled'),
    ...(hints.composer === undefined ? {} : { composer: xmlSafe(hints.composer) }),
    divisions: DIVISIONS_PER_QUARTER,
    timeSignature,
    key,
    beatTimesSeconds: scoreBeats,
    parts: [
      {
        id: 'P1',
        name: 'Piano',
        staves: 2,
        clefs: [
          { staff: 1, sign: 'G', line: 2 },
          { staff: 2, sign: 'F', line: 4 },
        ],
        measures,
      },
    ],
    notes: clean,
    noteStaves,
  };
}

/** Each quantised note's left-hand probability: the mean over the performed notes it stands for. */
function quantisedLeftHand(notes: readonly QuantisedNote[], leftHand: ArrayLike<number>): Float64Array {
  return Float64Array.from(notes, (note) => {
    const sources = note.sources ?? [];
    return sources.reduce((sum, k) => sum + (leftHand[k] ?? 0), 0) / Math.max(1, sources.length);
  });
}

/**
 * The notation model's metre as a plan: its beats are the notated ones (dotted quarters when compound), so a compound
 * bar of n beats is written 3n/8 and a simple one n/4; its downbeat index moves by the `spare` beats put in front.
 */
function learnedPlan(metre: MetreEstimate, beats: readonly number[], spare: number): MetrePlan {
  const timeSignature = metre.compound ? { beats: 3 * metre.barBeats, beatType: 8 } : { beats: metre.barBeats, beatType: 4 };
  return { timeSignature, beats, quartersPerBeat: metre.compound ? 1.5 : 1, compound: metre.compound, downbeatPhase: metre.downbeatIndex + spare };
}

/** The time of a fractional beat position, interpolated between beats; undefined beyond the last beat. */
function timeAtBeat(beats: readonly number[], position: number): number | undefined {
  const k = Math.floor(position);
  const a = beats[k];
  if (a === undefined) return undefined;
  if (position === k) return a;
  const b = beats[k + 1];
  return b === undefined ? undefined : a + (position - k) * (b - a);
}

/**
 * Quarter-note beat times from tracked beats: quarter k lies at tracked position `origin + (startQuarter + k) / r`
 * (r quarters per tracked beat: 1.5 when the tracked beat is a dotted quarter), interpolated between tracked beats
 * and extrapolated at the ends, covering every tracked beat.
 */
function quarterGrid(beats: readonly number[], origin: number, startQuarter: number, r: number): number[] {
  const grid: number[] = [];
  const last = beats.length - 1;
  for (let k = 0; origin + (startQuarter + k) / r <= last + 1e-9; k += 1) {
    grid.push(timeAtTrackedPosition(beats, origin + (startQuarter + k) / r));
  }
  if (grid.length < 2) grid.push((grid[0] ?? 0) + 0.5);
  return grid;
}

/** The time of a fractional tracked-beat position, linear between beats and extrapolated at the ends. */
function timeAtTrackedPosition(beats: readonly number[], position: number): number {
  const n = beats.length;
  if (n === 1) return (beats[0] as number) + position * 0.5;
  const k = Math.min(n - 2, Math.max(0, Math.floor(position)));
  const a = beats[k] as number;
  const b = beats[k + 1] as number;
  return a + (position - k) * (b - a);
}

/** Drops characters XML 1.0 cannot carry (control characters, lone surrogates): titles come from file names. */
function xmlSafe(text: string): string {
  return text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

/** Adds `before` beats in front and `after` beats behind at the period of the nearest beats. */
function extrapolate(beats: readonly number[], before: number, after: number): number[] {
  const out = [...beats];
  if (out.length === 1) out.push((out[0] as number) + 0.5);
  for (let k = 0; k < before; k += 1) out.unshift((out[0] as number) - ((out[1] as number) - (out[0] as number)));
  for (let k = 0; k < after; k += 1) {
    const n = out.length;
    out.push((out[n - 1] as number) + ((out[n - 1] as number) - (out[n - 2] as number)));
  }
  return out;
}

/**
 * Metronome marks (quarter notes per minute, integers) by measure index: one at the start (the median of the first
 * three bars), then where a bar and the next both move more than TEMPO_CHANGE_THRESHOLD from the current mark; the new
 * mark is the median of that bar and the two after it, so a bar caught mid-change does not get a mark of its own.
 * `measureStarts` holds the beat position (a fractional index into `beats`, interpolated) at which each measure
 * starts, then the final bar line.
 */
export function tempoMarks(beats: readonly number[], measureStarts: readonly number[]): Map<number, number> {
  const measureCount = measureStarts.length - 1;
  const tempi: number[] = [];
  for (let index = 0; index < measureCount; index += 1) {
    const from = measureStarts[index] as number;
    const to = measureStarts[index + 1] as number;
    const a = timeAtBeat(beats, from);
    const b = timeAtBeat(beats, to);
    const previous = tempi[index - 1] ?? 120;
    tempi.push(a === undefined || b === undefined || b <= a ? previous : (60 * (to - from)) / (b - a));
  }
  const medianFrom = (index: number): number => {
    const window = tempi.slice(index, index + 3).sort((x, y) => x - y);
    return window[(window.length - 1) >> 1] as number;
  };
  const moved = (tempo: number | undefined, current: number): boolean =>
    tempo === undefined || Math.abs(tempo - current) / current > TEMPO_CHANGE_THRESHOLD;
  const marks = new Map<number, number>();
  let current = Math.round(medianFrom(0));
  marks.set(0, current);
  for (let index = 1; index < measureCount; index += 1) {
    if (moved(tempi[index], current) && moved(tempi[index + 1], current)) {
      const next = Math.round(medianFrom(index));
      if (next === current) continue;
      current = next;
      marks.set(index, current);
    }
  }
  return marks;
}

/** Velocity units (MIDI) a bar's mean must move beyond the current mark's velocity before a new mark is considered. */
const DYNAMIC_HYSTERESIS = 12;

/**
 * Dynamic marks by measure index: each bar with notes gets the mark nearest its mean onset velocity
 * (DYNAMIC_VELOCITIES); a mark is written on the first such bar, then where a bar and the next bar with notes both
 * differ from the current mark and lie more than DYNAMIC_HYSTERESIS from its velocity (one loud or soft bar is an
 * accent, and a level between two marks stays with the one it has).
 */
export function dynamicMarks(notes: readonly QuantisedNote[], bounds: readonly (readonly [number, number])[]): Map<number, Dynamic> {
  const sums = new Float64Array(bounds.length);
  const counts = new Float64Array(bounds.length);
  let m = 0;
  for (const note of notes) {
    while (m + 1 < bounds.length && (bounds[m] as readonly [number, number])[1] <= note.start) m += 1;
    sums[m] = (sums[m] as number) + note.velocity;
    counts[m] = (counts[m] as number) + 1;
  }
  const levels: { index: number; mean: number; dynamic: Dynamic }[] = [];
  for (let index = 0; index < bounds.length; index += 1) {
    if (counts[index] === 0) continue;
    const mean = (sums[index] as number) / (counts[index] as number);
    let best: Dynamic = 'mf';
    for (const [dynamic, velocity] of Object.entries(DYNAMIC_VELOCITIES) as [Dynamic, number][]) {
      if (Math.abs(velocity - mean) < Math.abs(DYNAMIC_VELOCITIES[best] - mean)) best = dynamic;
    }
    levels.push({ index, mean, dynamic: best });
  }
  const marks = new Map<number, Dynamic>();
  let current: Dynamic | undefined;
  // A bar moves away from the current mark only beyond DYNAMIC_HYSTERESIS velocity units: a level between two marks
  // must not flip between them from bar to bar.
  const away = (level: { mean: number } | undefined): boolean =>
    current === undefined || level === undefined || Math.abs(level.mean - DYNAMIC_VELOCITIES[current]) > DYNAMIC_HYSTERESIS;
  levels.forEach((level, k) => {
    const next = levels[k + 1];
    if (current !== undefined && (level.dynamic === current || !away(level) || (next !== undefined && (next.dynamic === current || !away(next))))) return;
    current = level.dynamic;
    marks.set(level.index, level.dynamic);
  });
  return marks;
}
