/** Quantisation of performed times to a beat grid chosen per beat: sixteenths, eighth-note triplets, or finer where dense. */
import type { Note } from '../types';
import {
  BINARY_STEPS_PER_BEAT,
  DISTINCT_ONSET_BEATS,
  DIVISIONS_PER_QUARTER,
  FINE_BINARY_STEPS_PER_BEAT,
  FINE_TERNARY_STEPS_PER_BEAT,
  TERNARY_PREFERENCE_RATIO,
  TERNARY_STEPS_PER_BEAT,
} from './constants';
import { beatPosition } from './meter';

/** A note on the grid: start and end in divisions from the start of the score. */
export interface QuantisedNote {
  readonly pitch: number;
  velocity: number;
  start: number;
  end: number;
  /** Indices of the performed notes this one stands for (several where same-pitch strikes merged on one grid point). */
  readonly sources?: number[];
}

/**
 * Steps per beat for every beat: BINARY_STEPS_PER_BEAT, or TERNARY_STEPS_PER_BEAT where the onsets in that beat fit
 * the triplet grid markedly better (summed squared error, TERNARY_PREFERENCE_RATIO); where the chosen grid would put
 * two distinct onsets (more than DISTINCT_ONSET_BEATS apart) on one point, 32nds or sixteenth triplets: the one that
 * merges fewer, else sixteenth triplets only when they fit markedly better.
 */
export function chooseBeatGrids(onsetPositions: readonly number[], beatCount: number, options: { readonly binaryOnly?: boolean } = {}): Uint8Array {
  const binaryOnly = options.binaryOnly === true;
  const inBeat: number[][] = Array.from({ length: beatCount }, () => []);
  for (const x of onsetPositions) {
    const beat = Math.floor(x);
    if (beat >= 0 && beat < beatCount) (inBeat[beat] as number[]).push(x - beat);
  }
  const grids = new Uint8Array(beatCount).fill(BINARY_STEPS_PER_BEAT);
  for (let beat = 0; beat < beatCount; beat += 1) {
    const fractions = (inBeat[beat] as number[]).sort((a, b) => a - b);
    if (fractions.length === 0) continue;
    const ternaryBeat = !binaryOnly && gridError(fractions, TERNARY_STEPS_PER_BEAT) < TERNARY_PREFERENCE_RATIO * gridError(fractions, BINARY_STEPS_PER_BEAT);
    const coarse = ternaryBeat ? TERNARY_STEPS_PER_BEAT : BINARY_STEPS_PER_BEAT;
    let steps = coarse;
    if (binaryOnly) {
      if (collisions(fractions, coarse) > 0) steps = FINE_BINARY_STEPS_PER_BEAT;
    } else if (collisions(fractions, coarse) > 0) {
      const binary = collisions(fractions, FINE_BINARY_STEPS_PER_BEAT);
      const ternary = collisions(fractions, FINE_TERNARY_STEPS_PER_BEAT);
      const ternaryFits = gridError(fractions, FINE_TERNARY_STEPS_PER_BEAT) < TERNARY_PREFERENCE_RATIO * gridError(fractions, FINE_BINARY_STEPS_PER_BEAT);
      steps = ternary < binary || (ternary === binary && ternaryFits) ? FINE_TERNARY_STEPS_PER_BEAT : FINE_BINARY_STEPS_PER_BEAT;
    }
    grids[beat] = steps;
  }
  return grids;
}

function gridError(fractions: readonly number[], steps: number): number {
  let sum = 0;
  for (const f of fractions) sum += (f - Math.round(f * steps) / steps) ** 2;
  return sum;
}

/** Distinct onsets (sorted fractions of a beat) that a grid would merge into one point. */
function collisions(fractions: readonly number[], steps: number): number {
  let count = 0;
  for (let i = 1; i < fractions.length; i += 1) {
    const a = fractions[i - 1] as number;
    const b = fractions[i] as number;
    if (b - a > DISTINCT_ONSET_BEATS && Math.round(a * steps) === Math.round(b * steps)) count += 1;
  }
  return count;
}

/** Snaps a fractional beat position to its beat's grid; returns divisions from beat 0. */
export function snapToGrid(x: number, grids: Uint8Array): number {
  const beat = Math.floor(x);
  const steps = grids[beat] ?? BINARY_STEPS_PER_BEAT;
  const step = Math.round((x - beat) * steps);
  return beat * DIVISIONS_PER_QUARTER + step * (DIVISIONS_PER_QUARTER / steps);
}

/**
 * Snaps an offset: releases are far less precise than attacks (and matter less to a reader), so the longer the note
 * the coarser its end: its beat's grid under a beat, eighths (or its triplet grid) up to two beats, whole beats beyond.
 */
export function snapOffset(x: number, lengthBeats: number, grids: Uint8Array): number {
  if (lengthBeats < 1) return snapToGrid(x, grids);
  const beat = Math.floor(x);
  const fine = grids[beat] ?? BINARY_STEPS_PER_BEAT;
  const steps = lengthBeats >= 2 ? 1 : fine % TERNARY_STEPS_PER_BEAT === 0 ? TERNARY_STEPS_PER_BEAT : 2;
  return beat * DIVISIONS_PER_QUARTER + Math.round((x - beat) * steps) * (DIVISIONS_PER_QUARTER / steps);
}

/** One grid step (divisions) at a position in divisions. */
function stepAt(ticks: number, grids: Uint8Array): number {
  const steps = grids[Math.floor(ticks / DIVISIONS_PER_QUARTER)] ?? BINARY_STEPS_PER_BEAT;
  return DIVISIONS_PER_QUARTER / steps;
}

/**
 * Quantises notes against the score's quarter-note beats (beat 0 = the first bar line); `binaryOnly` for compound metres. Every note lasts at least one grid step; a
 * note that overlaps a later note of the same pitch ends where that one starts, and same-pitch notes on the same
 * grid point merge (keeping the louder velocity and the longer end), so no chord ever holds a pitch twice.
 */
export function quantiseNotes(
  notes: readonly Note[],
  beats: readonly number[],
  options: { readonly binaryOnly?: boolean } = {},
): { notes: QuantisedNote[]; grids: Uint8Array } {
  const onsets = notes.map((n) => beatPosition(beats, n.onsetSeconds));
  // In compound metres the quarter grid carries eighths, sixteenths and 32nds; a triplet of a quarter is no value there.
  const grids = chooseBeatGrids(onsets, beats.length, options);
  const quantised: QuantisedNote[] = notes.map((note, i) => {
    const start = Math.max(0, snapToGrid(onsets[i] as number, grids));
    const offset = beatPosition(beats, note.offsetSeconds);
    let end = snapOffset(offset, offset - (onsets[i] as number), grids);
    if (end <= start) end = start + stepAt(start, grids);
    return { pitch: note.pitch, velocity: note.velocity, start, end, sources: [i] };
  });
  const byPitch = new Map<number, QuantisedNote[]>();
  for (const note of quantised) {
    const list = byPitch.get(note.pitch) ?? [];
    list.push(note);
    byPitch.set(note.pitch, list);
  }
  const kept: QuantisedNote[] = [];
  for (const list of byPitch.values()) {
    list.sort((a, b) => a.start - b.start || b.end - a.end);
    let previous: QuantisedNote | undefined;
    for (const note of list) {
      if (previous !== undefined && previous.start === note.start) {
        previous.end = Math.max(previous.end, note.end);
        previous.velocity = Math.max(previous.velocity, note.velocity);
        previous.sources?.push(...(note.sources ?? []));
        continue;
      }
      if (previous !== undefined && previous.end > note.start) previous.end = note.start;
      kept.push(note);
      previous = note;
    }
  }
  kept.sort((a, b) => a.start - b.start || a.pitch - b.pitch);
  return { notes: kept, grids };
}
