/** Quantisation of performed times to a beat grid chosen per beat: sixteenths or eighth-note triplets. */
import type { Note } from '../types';
import { BINARY_STEPS_PER_BEAT, DIVISIONS_PER_QUARTER, TERNARY_PREFERENCE_RATIO, TERNARY_STEPS_PER_BEAT } from './constants';
import { beatPosition } from './meter';

/** A note on the grid: start and end in divisions from the start of the score. */
export interface QuantisedNote {
  readonly pitch: number;
  velocity: number;
  start: number;
  end: number;
}

/**
 * Steps per beat for every beat (BINARY_STEPS_PER_BEAT or TERNARY_STEPS_PER_BEAT): ternary where the onsets in that
 * beat fit the triplet grid markedly better (summed squared error, TERNARY_PREFERENCE_RATIO).
 */
export function chooseBeatGrids(onsetPositions: readonly number[], beatCount: number): Uint8Array {
  const binaryError = new Float64Array(beatCount);
  const ternaryError = new Float64Array(beatCount);
  for (const x of onsetPositions) {
    const beat = Math.floor(x);
    if (beat < 0 || beat >= beatCount) continue;
    const frac = x - beat;
    const eb = frac - Math.round(frac * BINARY_STEPS_PER_BEAT) / BINARY_STEPS_PER_BEAT;
    const et = frac - Math.round(frac * TERNARY_STEPS_PER_BEAT) / TERNARY_STEPS_PER_BEAT;
    binaryError[beat] = (binaryError[beat] as number) + eb * eb;
    ternaryError[beat] = (ternaryError[beat] as number) + et * et;
  }
  const grids = new Uint8Array(beatCount).fill(BINARY_STEPS_PER_BEAT);
  for (let beat = 0; beat < beatCount; beat += 1) {
    if ((ternaryError[beat] as number) < TERNARY_PREFERENCE_RATIO * (binaryError[beat] as number)) grids[beat] = TERNARY_STEPS_PER_BEAT;
  }
  return grids;
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
  const steps = lengthBeats >= 2 ? 1 : fine === TERNARY_STEPS_PER_BEAT ? TERNARY_STEPS_PER_BEAT : 2;
  return beat * DIVISIONS_PER_QUARTER + Math.round((x - beat) * steps) * (DIVISIONS_PER_QUARTER / steps);
}

/** One grid step (divisions) at a position in divisions. */
function stepAt(ticks: number, grids: Uint8Array): number {
  const steps = grids[Math.floor(ticks / DIVISIONS_PER_QUARTER)] ?? BINARY_STEPS_PER_BEAT;
  return DIVISIONS_PER_QUARTER / steps;
}

/**
 * Quantises notes against the score's beats (beat 0 = first downbeat). Every note lasts at least one grid step; a
 * note that overlaps a later note of the same pitch ends where that one starts, and same-pitch notes on the same
 * grid point merge (keeping the louder velocity and the longer end), so no chord ever holds a pitch twice.
 */
export function quantiseNotes(notes: readonly Note[], beats: readonly number[]): { notes: QuantisedNote[]; grids: Uint8Array } {
  const onsets = notes.map((n) => beatPosition(beats, n.onsetSeconds));
  const grids = chooseBeatGrids(onsets, beats.length);
  const quantised: QuantisedNote[] = notes.map((note, i) => {
    const start = Math.max(0, snapToGrid(onsets[i] as number, grids));
    const offset = beatPosition(beats, note.offsetSeconds);
    let end = snapOffset(offset, offset - (onsets[i] as number), grids);
    if (end <= start) end = start + stepAt(start, grids);
    return { pitch: note.pitch, velocity: note.velocity, start, end };
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
