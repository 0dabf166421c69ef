/**
 * Standard MIDI file (type 1) writer: a conductor track (title, time and key signature, tempo map) and one track per
 * staff (right hand, left hand), so an importer keeps the hands apart. The tempo map changes only where the score's
 * metronome marks do, and MIDI bar lines fall on the score's: tick 0 is the score's first bar line (in performed
 * timing, after a lead-in from 0 s). Two timings:
 * - `performed` (default): onsets, offsets and velocities as transcribed; each stretch between tempo marks takes the
 *   tempo that makes its bar lines land where they were played, and the notes keep their played seconds within it.
 *   Playback sounds exactly like the performance.
 * - `score`: the notes at their quantised positions and written lengths, at the marked tempi (what the MusicXML says).
 *
 * The bytes are encoded here rather than with midi-file's `writeMidi`, whose writer concatenates the whole track
 * buffer for every delta time (quadratic: 7 s for 20 000 notes). The tests read the files back with midi-file.
 */
import type { Note } from '../types';
import { MIDI_TICKS_PER_QUARTER } from './constants';
import type { Score } from './model';
import { buildScore } from './score';

/** Options of `toMidi`. */
export interface MidiOptions {
  /** `performed` (as played, through a tempo map of the score's tempo changes) or `score` (quantised). @default 'performed' */
  readonly timing?: 'performed' | 'score';
}

/** A stretch of constant tempo: [startSeconds, …) ↔ [startTick, startTick + ticks). */
export interface TempoSegment {
  readonly startTick: number;
  readonly ticks: number;
  readonly startSeconds: number;
  readonly microsecondsPerQuarter: number;
}

/**
 * The tempo map of a score: one segment per metronome mark (the measures from one mark to the next), plus, in
 * performed timing, a lead-in from 0 s to the first bar line. In performed timing a segment's tempo is the played
 * length of its measures; in score timing, its mark. Tempi are rounded so that the accumulated time, not each segment,
 * is exact to 0.5 µs per quarter.
 */
export function midiTempoMap(score: Pick<Score, 'beatTimesSeconds' | 'parts' | 'divisions'>, timing: 'performed' | 'score' = 'performed'): TempoSegment[] {
  const measures = score.parts[0]?.measures ?? [];
  const marks: { quarter: number; bpm: number }[] = [];
  let quarter = 0;
  for (const measure of measures) {
    if (measure.tempoBpm !== undefined) marks.push({ quarter, bpm: measure.tempoBpm });
    quarter += measure.duration / score.divisions;
  }
  const totalQuarters = Math.max(quarter, 1);
  if (marks.length === 0) marks.push({ quarter: 0, bpm: 120 });
  const segments: TempoSegment[] = [];
  let tick = 0;
  let micros = 0;
  const played = (q: number): number => timeAtQuarter(score.beatTimesSeconds, q);
  // MIDI seconds are played seconds less this (nonzero only when the first bar line was played at or before 0 s).
  const offset = performedOffsetSeconds(score);
  if (timing === 'performed') {
    const firstBarLine = played(0);
    const firstRegionEnd = marks[1]?.quarter ?? totalQuarters;
    const perQuarter = ((played(firstRegionEnd) - firstBarLine) * 1e6) / firstRegionEnd;
    const leadTicks = firstBarLine > 0 && perQuarter > 0 ? Math.round((firstBarLine * 1e6 * MIDI_TICKS_PER_QUARTER) / perQuarter) : 0;
    if (leadTicks > 0) {
      const leadTempo = Math.round((firstBarLine * 1e6 * MIDI_TICKS_PER_QUARTER) / leadTicks);
      segments.push({ startTick: 0, ticks: leadTicks, startSeconds: 0, microsecondsPerQuarter: leadTempo });
      tick = leadTicks;
      micros = (leadTempo * leadTicks) / MIDI_TICKS_PER_QUARTER;
    }
  }
  marks.forEach((mark, index) => {
    const endQuarter = marks[index + 1]?.quarter ?? totalQuarters;
    const quarters = endQuarter - mark.quarter;
    const ticks = Math.round(quarters * MIDI_TICKS_PER_QUARTER);
    if (ticks <= 0) return;
    // Performed: the tempo that ends this stretch where its last bar line was played (accumulated, so no drift).
    const perQuarter =
      timing === 'performed' ? Math.max(1, Math.round(((played(endQuarter) - offset) * 1e6 - micros) / quarters)) : Math.round(60e6 / mark.bpm);
    segments.push({ startTick: tick, ticks, startSeconds: micros / 1e6, microsecondsPerQuarter: perQuarter });
    tick += ticks;
    micros += perQuarter * quarters;
  });
  if (segments.length === 0) return [{ startTick: 0, ticks: Number.MAX_SAFE_INTEGER, startSeconds: 0, microsecondsPerQuarter: 500_000 }];
  const last = segments[segments.length - 1] as TempoSegment;
  segments[segments.length - 1] = { ...last, ticks: Number.MAX_SAFE_INTEGER };
  return segments;
}

/**
 * Performed timing keeps the audio's clock (tick 0 is 0 s, a lead-in up to the first bar line) unless the first bar
 * line was played at or before 0 s: then the clock starts there, so that no note falls before tick 0.
 */
export function performedOffsetSeconds(score: Pick<Score, 'beatTimesSeconds'>): number {
  return Math.min(0, timeAtQuarter(score.beatTimesSeconds, 0));
}

/** The played time of a quarter position of the score, between its beats (extrapolated beyond them). */
function timeAtQuarter(beats: readonly number[], quarter: number): number {
  const n = beats.length;
  if (n === 0) return quarter * 0.5;
  if (n === 1) return (beats[0] as number) + quarter * 0.5;
  const k = Math.min(n - 2, Math.max(0, Math.floor(quarter)));
  const a = beats[k] as number;
  const b = beats[k + 1] as number;
  return a + (quarter - k) * (b - a);
}

/** Seconds → ticks through a tempo map (rounded to the nearest tick). */
export function secondsToTicks(segments: readonly TempoSegment[], seconds: number): number {
  // Binary search: the last segment starting at or before `seconds` (segments are in time order).
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((segments[mid] as TempoSegment).startSeconds <= seconds) lo = mid;
    else hi = mid - 1;
  }
  const segment = segments[lo] as TempoSegment;
  const ticksPerSecond = (MIDI_TICKS_PER_QUARTER * 1e6) / segment.microsecondsPerQuarter;
  return Math.max(0, Math.round(segment.startTick + (seconds - segment.startSeconds) * ticksPerSecond));
}

/** The events this writer emits, at absolute ticks. */
type TimedEvent =
  | { readonly tick: number; readonly kind: 'trackName'; readonly text: string }
  | { readonly tick: number; readonly kind: 'timeSignature'; readonly numerator: number; readonly denominator: number }
  | { readonly tick: number; readonly kind: 'keySignature'; readonly fifths: number; readonly minor: boolean }
  | { readonly tick: number; readonly kind: 'setTempo'; readonly microsecondsPerQuarter: number }
  | { readonly tick: number; readonly kind: 'programChange'; readonly program: number }
  | { readonly tick: number; readonly kind: 'noteOn' | 'noteOff'; readonly pitch: number; readonly velocity: number };

/**
 * Writes a standard MIDI file, type 1, MIDI_TICKS_PER_QUARTER ticks per quarter: track 0 holds the title, time and
 * key signatures and the tempo map (`midiTempoMap`); track 1 the right hand (staff 1), track 2 the left hand (staff 2),
 * both acoustic grand piano on channel 1. In performed timing a note that overlaps a later strike of the same pitch
 * ends at that strike. Given bare notes, builds the score first.
 */
export function toMidi(input: Score | readonly Note[], options: MidiOptions = {}): Uint8Array {
  const score = isScore(input) ? input : buildScore(input);
  const timing = options.timing ?? 'performed';
  const segments = midiTempoMap(score, timing);
  const conductor: TimedEvent[] = [
    { tick: 0, kind: 'trackName', text: score.title },
    { tick: 0, kind: 'timeSignature', numerator: score.timeSignature.beats, denominator: score.timeSignature.beatType },
    { tick: 0, kind: 'keySignature', fifths: score.key.fifths, minor: score.key.mode === 'minor' },
  ];
  let previousTempo = -1;
  for (const segment of segments) {
    if (segment.microsecondsPerQuarter === previousTempo) continue;
    previousTempo = segment.microsecondsPerQuarter;
    conductor.push({ tick: segment.startTick, kind: 'setTempo', microsecondsPerQuarter: segment.microsecondsPerQuarter });
  }
  const notes = timing === 'performed' ? performedTicks(score, segments) : writtenTicks(score);
  const hands: TimedEvent[][] = [1, 2].map((staff) => [
    { tick: 0, kind: 'trackName', text: staff === 1 ? 'Piano right hand' : 'Piano left hand' },
    { tick: 0, kind: 'programChange', program: 0 },
  ]);
  for (const note of notes) {
    const pitch = Math.min(127, Math.max(0, Math.round(note.pitch)));
    const velocity = Math.min(127, Math.max(1, Math.round(note.velocity)));
    (hands[note.staff === 2 ? 1 : 0] as TimedEvent[]).push(
      { tick: note.on, kind: 'noteOn', pitch, velocity },
      { tick: Math.max(note.on + 1, note.off), kind: 'noteOff', pitch, velocity: 0 },
    );
  }
  // At equal ticks, releases go first so a re-struck key is not cut by its own earlier release.
  for (const hand of hands) {
    hand.sort((a, b) => a.tick - b.tick || order(a) - order(b) || pitchOf(a) - pitchOf(b));
  }
  return encodeSmf([conductor, ...hands]);
}

interface TickedNote {
  readonly pitch: number;
  readonly velocity: number;
  readonly staff: number;
  readonly on: number;
  readonly off: number;
}

/** The performed notes at their played times through the tempo map; a note ends where its pitch is struck again. */
function performedTicks(score: Score, segments: readonly TempoSegment[]): TickedNote[] {
  const offset = performedOffsetSeconds(score);
  const order = score.notes.map((_, i) => i).sort((a, b) => (score.notes[a] as Note).onsetSeconds - (score.notes[b] as Note).onsetSeconds);
  const nextStrike = new Map<number, number>();
  const out: TickedNote[] = [];
  for (let k = order.length - 1; k >= 0; k -= 1) {
    const i = order[k] as number;
    const note = score.notes[i] as Note;
    const next = nextStrike.get(note.pitch);
    const offsetSeconds = next === undefined ? note.offsetSeconds : Math.min(note.offsetSeconds, next);
    nextStrike.set(note.pitch, note.onsetSeconds);
    out.push({
      pitch: note.pitch,
      velocity: note.velocity,
      staff: score.noteStaves[i] ?? 1,
      on: secondsToTicks(segments, note.onsetSeconds - offset),
      off: secondsToTicks(segments, offsetSeconds - offset),
    });
  }
  return out.reverse();
}

/** The written notes (tied pieces joined) at their score positions: tick 0 is the first bar line. */
function writtenTicks(score: Score): TickedNote[] {
  const ticksPerDivision = MIDI_TICKS_PER_QUARTER / score.divisions;
  const out: { pitch: number; velocity: number; staff: number; on: number; off: number }[] = [];
  const open = new Map<string, { off: number }>();
  let measureStart = 0;
  for (const measure of score.parts[0]?.measures ?? []) {
    for (const voice of measure.voices) {
      for (const element of voice.elements) {
        const on = measureStart + element.position;
        for (const pitch of element.pitches) {
          const id = `${voice.voice}:${pitch.midi}`;
          const tied = pitch.tieStop ? open.get(id) : undefined;
          if (tied !== undefined) tied.off = on + element.duration;
          else {
            const note = { pitch: pitch.midi, velocity: pitch.velocity, staff: voice.staff, on, off: on + element.duration };
            out.push(note);
            if (pitch.tieStart) open.set(id, note);
          }
          if (!pitch.tieStart) open.delete(id);
        }
      }
    }
    measureStart += measure.duration;
  }
  return out
    .map((n) => ({ ...n, on: Math.round(n.on * ticksPerDivision), off: Math.round(n.off * ticksPerDivision) }))
    .sort((a, b) => a.on - b.on || a.pitch - b.pitch);
}

function order(event: TimedEvent): number {
  return event.kind === 'noteOn' ? 2 : event.kind === 'noteOff' ? 1 : 0;
}

function pitchOf(event: TimedEvent): number {
  return event.kind === 'noteOn' || event.kind === 'noteOff' ? event.pitch : 0;
}

/** Standard MIDI File bytes: MThd (format 1) and one MTrk per track, each closed by end-of-track. */
function encodeSmf(tracks: readonly (readonly TimedEvent[])[]): Uint8Array {
  const out: number[] = [];
  const u32 = (v: number): void => {
    out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  };
  const ascii = (text: string): void => {
    for (const c of text) out.push(c.charCodeAt(0));
  };
  ascii('MThd');
  u32(6);
  out.push(0, 1, (tracks.length >> 8) & 0xff, tracks.length & 0xff, (MIDI_TICKS_PER_QUARTER >> 8) & 0xff, MIDI_TICKS_PER_QUARTER & 0xff);
  for (const track of tracks) {
    const body: number[] = [];
    const varInt = (value: number): void => {
      const bytes = [value & 0x7f];
      for (let v = value >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
      body.push(...bytes);
    };
    const meta = (type: number, data: readonly number[]): void => {
      body.push(0xff, type);
      varInt(data.length);
      for (const byte of data) body.push(byte);
    };
    let last = 0;
    for (const event of [...track].sort((a, b) => a.tick - b.tick)) {
      varInt(event.tick - last);
      last = event.tick;
      switch (event.kind) {
        case 'trackName':
          meta(0x03, Array.from(new TextEncoder().encode(event.text)));
          break;
        case 'timeSignature':
          // Metronome click every quarter (24 MIDI clocks), 8 thirty-seconds per quarter.
          meta(0x58, [event.numerator, Math.round(Math.log2(event.denominator)), 24, 8]);
          break;
        case 'keySignature':
          meta(0x59, [event.fifths & 0xff, event.minor ? 1 : 0]);
          break;
        case 'setTempo': {
          const t = event.microsecondsPerQuarter;
          meta(0x51, [(t >> 16) & 0xff, (t >> 8) & 0xff, t & 0xff]);
          break;
        }
        case 'programChange':
          body.push(0xc0, event.program & 0x7f);
          break;
        case 'noteOn':
          body.push(0x90, event.pitch & 0x7f, event.velocity & 0x7f);
          break;
        case 'noteOff':
          body.push(0x80, event.pitch & 0x7f, event.velocity & 0x7f);
          break;
      }
    }
    varInt(0);
    meta(0x2f, []);
    ascii('MTrk');
    u32(body.length);
    for (const byte of body) out.push(byte);
  }
  return Uint8Array.from(out);
}

function isScore(input: Score | readonly Note[]): input is Score {
  return !Array.isArray(input);
}
