/**
 * Standard MIDI file (type 1) writer. The notes keep their performed timing (onsets, offsets, velocities as
 * transcribed), mapped through a tempo map that follows the score's tracked beats: a tempo event per beat makes MIDI
 * beat k fall exactly where the score's beat k was played, so a sequencer shows the score's beat grid while playback
 * sounds exactly like the performance. Quantised timing would sound mechanical and throw away what the transcription
 * measured; the MusicXML already carries the quantised reading.
 *
 * The bytes are encoded here rather than with midi-file's `writeMidi`, whose writer concatenates the whole track
 * buffer for every delta time (quadratic: 7 s for 20 000 notes). The tests read the files back with midi-file.
 */
import type { Note } from '../types';
import { MIDI_TICKS_PER_QUARTER } from './constants';
import type { Score } from './model';
import { buildScore } from './score';

/** A stretch of constant tempo: [startSeconds, startSeconds + durationSeconds) ↔ [startTick, startTick + ticks). */
export interface TempoSegment {
  readonly startTick: number;
  readonly ticks: number;
  readonly startSeconds: number;
  readonly microsecondsPerQuarter: number;
}

/**
 * The tempo map of a score: tick 0 is 0 s; one segment up to the first beat at or after 0 s, then one per beat.
 * Each beat's tempo is rounded so that the accumulated time, not each interval, is exact to 0.5 µs (no drift).
 */
export function midiTempoMap(beatTimesSeconds: readonly number[]): TempoSegment[] {
  const beats = beatTimesSeconds.filter((t) => t >= 0);
  const segments: TempoSegment[] = [];
  if (beats.length < 2) {
    return [{ startTick: 0, ticks: Number.MAX_SAFE_INTEGER, startSeconds: 0, microsecondsPerQuarter: 500_000 }];
  }
  const firstBeat = beats[0] as number;
  const firstPeriod = (beats[1] as number) - firstBeat;
  let tick = 0;
  let micros = 0;
  const leadTicks = Math.round((MIDI_TICKS_PER_QUARTER * firstBeat) / firstPeriod);
  if (leadTicks > 0) {
    const perQuarter = Math.round((firstBeat * 1e6 * MIDI_TICKS_PER_QUARTER) / leadTicks);
    segments.push({ startTick: 0, ticks: leadTicks, startSeconds: 0, microsecondsPerQuarter: perQuarter });
    tick = leadTicks;
    micros = (perQuarter * leadTicks) / MIDI_TICKS_PER_QUARTER;
  }
  for (let k = 0; k + 1 < beats.length; k += 1) {
    const perQuarter = Math.max(1, Math.round((beats[k + 1] as number) * 1e6 - micros));
    segments.push({ startTick: tick, ticks: MIDI_TICKS_PER_QUARTER, startSeconds: micros / 1e6, microsecondsPerQuarter: perQuarter });
    tick += MIDI_TICKS_PER_QUARTER;
    micros += perQuarter;
  }
  const last = segments[segments.length - 1] as TempoSegment;
  segments[segments.length - 1] = { ...last, ticks: Number.MAX_SAFE_INTEGER };
  return segments;
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
 * key signatures and the tempo map; track 1 the notes (channel 1, acoustic grand piano) at their performed times.
 * A note that overlaps a later strike of the same pitch ends at that strike. Given bare notes, builds the score first.
 */
export function toMidi(input: Score | readonly Note[]): Uint8Array {
  const score = isScore(input) ? input : buildScore(input);
  const segments = midiTempoMap(score.beatTimesSeconds);
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
  const sorted = [...score.notes].sort((a, b) => a.onsetSeconds - b.onsetSeconds || a.pitch - b.pitch);
  const nextStrike = new Map<number, number>();
  const offsets = new Array<number>(sorted.length);
  for (let i = sorted.length - 1; i >= 0; i -= 1) {
    const note = sorted[i] as Note;
    const next = nextStrike.get(note.pitch);
    offsets[i] = next === undefined ? note.offsetSeconds : Math.min(note.offsetSeconds, next);
    nextStrike.set(note.pitch, note.onsetSeconds);
  }
  const noteEvents: TimedEvent[] = [];
  sorted.forEach((note, i) => {
    const on = secondsToTicks(segments, note.onsetSeconds);
    const off = Math.max(on + 1, secondsToTicks(segments, offsets[i] as number));
    const pitch = Math.min(127, Math.max(0, Math.round(note.pitch)));
    const velocity = Math.min(127, Math.max(1, Math.round(note.velocity)));
    noteEvents.push({ tick: on, kind: 'noteOn', pitch, velocity }, { tick: off, kind: 'noteOff', pitch, velocity: 0 });
  });
  // At equal ticks, releases go first so a re-struck key is not cut by its own earlier release.
  noteEvents.sort((a, b) => a.tick - b.tick || Number(a.kind === 'noteOn') - Number(b.kind === 'noteOn') || pitchOf(a) - pitchOf(b));
  const pianoTrack: TimedEvent[] = [{ tick: 0, kind: 'trackName', text: 'Piano' }, { tick: 0, kind: 'programChange', program: 0 }, ...noteEvents];
  return encodeSmf([conductor, pianoTrack]);
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
