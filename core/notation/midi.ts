/**
 * Standard MIDI file (type 1) writer. The notes keep their performed timing (onsets, offsets, velocities as
 * transcribed), mapped through a tempo map that follows the score's tracked beats: a tempo event per beat makes MIDI
 * beat k fall exactly where the score's beat k was played, so a sequencer shows the score's beat grid while playback
 * sounds exactly like the performance. Quantised timing would sound mechanical and throw away what the transcription
 * measured; the MusicXML already carries the quantised reading.
 */
import { writeMidi, type MidiEvent } from 'midi-file';
import type { Note } from '../types';
import { MIDI_TICKS_PER_QUARTER } from './constants';
import type { Score } from './model';
import { buildScore } from './score';

/** A stretch of constant tempo: [startSeconds, startSeconds + durationSeconds) ↔ [startTick, startTick + ticks). */
interface TempoSegment {
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
  let segment = segments[0] as TempoSegment;
  for (const s of segments) {
    if (s.startSeconds <= seconds) segment = s;
    else break;
  }
  const ticksPerSecond = (MIDI_TICKS_PER_QUARTER * 1e6) / segment.microsecondsPerQuarter;
  return Math.max(0, Math.round(segment.startTick + (seconds - segment.startSeconds) * ticksPerSecond));
}

/**
 * Writes a standard MIDI file, type 1, MIDI_TICKS_PER_QUARTER ticks per quarter: track 0 holds the title, time and
 * key signatures and the tempo map; track 1 the notes (channel 1, acoustic grand piano) at their performed times.
 * A note that overlaps a later strike of the same pitch ends at that strike. Given bare notes, builds the score first.
 */
export function toMidi(input: Score | readonly Note[]): Uint8Array {
  const score = isScore(input) ? input : buildScore(input);
  const segments = midiTempoMap(score.beatTimesSeconds);
  const conductor: { tick: number; event: MidiEvent }[] = [
    { tick: 0, event: { deltaTime: 0, meta: true, type: 'trackName', text: score.title } },
    {
      tick: 0,
      event: { deltaTime: 0, meta: true, type: 'timeSignature', numerator: score.timeSignature.beats, denominator: score.timeSignature.beatType, metronome: 24, thirtyseconds: 8 },
    },
    { tick: 0, event: { deltaTime: 0, meta: true, type: 'keySignature', key: score.key.fifths, scale: score.key.mode === 'minor' ? 1 : 0 } },
  ];
  let previousTempo = -1;
  for (const segment of segments) {
    if (segment.microsecondsPerQuarter === previousTempo) continue;
    previousTempo = segment.microsecondsPerQuarter;
    conductor.push({ tick: segment.startTick, event: { deltaTime: 0, meta: true, type: 'setTempo', microsecondsPerBeat: segment.microsecondsPerQuarter } });
  }
  const notes: { tick: number; event: MidiEvent }[] = [
    { tick: 0, event: { deltaTime: 0, meta: true, type: 'trackName', text: 'Piano' } },
    { tick: 0, event: { deltaTime: 0, channel: 0, type: 'programChange', programNumber: 0 } },
  ];
  const sorted = [...score.notes].sort((a, b) => a.onsetSeconds - b.onsetSeconds || a.pitch - b.pitch);
  const nextStrike = new Map<number, number>();
  const offsets = new Array<number>(sorted.length);
  for (let i = sorted.length - 1; i >= 0; i -= 1) {
    const note = sorted[i] as Note;
    const next = nextStrike.get(note.pitch);
    offsets[i] = next === undefined ? note.offsetSeconds : Math.min(note.offsetSeconds, next);
    nextStrike.set(note.pitch, note.onsetSeconds);
  }
  const events: { tick: number; on: boolean; pitch: number; velocity: number }[] = [];
  sorted.forEach((note, i) => {
    const on = secondsToTicks(segments, note.onsetSeconds);
    const off = Math.max(on + 1, secondsToTicks(segments, offsets[i] as number));
    const pitch = Math.min(127, Math.max(0, Math.round(note.pitch)));
    const velocity = Math.min(127, Math.max(1, Math.round(note.velocity)));
    events.push({ tick: on, on: true, pitch, velocity }, { tick: off, on: false, pitch, velocity: 0 });
  });
  // At equal ticks, releases go first so a re-struck key is not cut by its own earlier release.
  events.sort((a, b) => a.tick - b.tick || Number(a.on) - Number(b.on) || a.pitch - b.pitch);
  for (const e of events) {
    notes.push({
      tick: e.tick,
      event: e.on
        ? { deltaTime: 0, channel: 0, type: 'noteOn', noteNumber: e.pitch, velocity: e.velocity }
        : { deltaTime: 0, channel: 0, type: 'noteOff', noteNumber: e.pitch, velocity: 0 },
    });
  }
  const bytes = writeMidi({
    header: { format: 1, numTracks: 2, ticksPerBeat: MIDI_TICKS_PER_QUARTER },
    tracks: [withDeltas(conductor), withDeltas(notes)],
  });
  return Uint8Array.from(bytes);
}

function withDeltas(timed: readonly { tick: number; event: MidiEvent }[]): MidiEvent[] {
  const sorted = [...timed].sort((a, b) => a.tick - b.tick);
  let last = 0;
  const events = sorted.map(({ tick, event }) => {
    const deltaTime = tick - last;
    last = tick;
    return { ...event, deltaTime };
  });
  events.push({ deltaTime: 0, meta: true, type: 'endOfTrack' });
  return events;
}

function isScore(input: Score | readonly Note[]): input is Score {
  return !Array.isArray(input);
}
