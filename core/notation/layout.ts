/**
 * From voice timelines (divisions from the start of the score) to measures of written symbols: bar lines split
 * notes into tied pieces, each piece is written as plain, dotted or triplet values that do not straddle a beat, gaps
 * become rests, and accidentals are set against the key signature and earlier notes in the bar.
 */
import { DIVISIONS_PER_QUARTER } from './constants';
import { keyAlter, spellPitch } from './key';
import type { Beam, Clef, Dynamic, KeySignature, Measure, NotatedElement, NotatedPitch, NoteType, Voice } from './model';
import type { VoiceEvent } from './staves';

interface WrittenValue {
  readonly duration: number;
  readonly type: NoteType;
  readonly dots: number;
  readonly triplet: boolean;
}

const Q = DIVISIONS_PER_QUARTER;
/** Writable values, longest first, in divisions at DIVISIONS_PER_QUARTER = 24. */
const VALUES: readonly WrittenValue[] = [
  { duration: 4 * Q, type: 'whole', dots: 0, triplet: false },
  { duration: 3 * Q, type: 'half', dots: 1, triplet: false },
  { duration: 2 * Q, type: 'half', dots: 0, triplet: false },
  { duration: (3 * Q) / 2, type: 'quarter', dots: 1, triplet: false },
  { duration: Q, type: 'quarter', dots: 0, triplet: false },
  { duration: (3 * Q) / 4, type: 'eighth', dots: 1, triplet: false },
  { duration: (2 * Q) / 3, type: 'quarter', dots: 0, triplet: true },
  { duration: Q / 2, type: 'eighth', dots: 0, triplet: false },
  { duration: (3 * Q) / 8, type: '16th', dots: 1, triplet: false },
  { duration: Q / 3, type: 'eighth', dots: 0, triplet: true },
  { duration: Q / 4, type: '16th', dots: 0, triplet: false },
  { duration: Q / 6, type: '16th', dots: 0, triplet: true },
  { duration: Q / 8, type: '32nd', dots: 0, triplet: false },
  { duration: Q / 12, type: '32nd', dots: 0, triplet: true },
  { duration: Q / 24, type: '64th', dots: 0, triplet: true },
];

/**
 * Writes `length` divisions starting at `position` in a measure of `measureLength` as a list of tied values: values of
 * a beat or more start on a beat; shorter ones stay inside one beat and on their grid (sixteenths on multiples of 3,
 * triplets on multiples of their own length). When the run ends inside a triplet beat, a plain value may not end in
 * that beat either (a quarter + triplet quarter, not a dotted quarter + sixteenth triplet). The last value
 * (1 division) always fits, so this terminates.
 */
export function writeDuration(position: number, length: number, measureLength: number, beatLength: number = Q): WrittenValue[] {
  const out: WrittenValue[] = [];
  const end = position + length;
  // Off the 32nd grid means inside a triplet group.
  const endsInTriplets = (end % Q) % (Q / 8) !== 0;
  const lastBeatStart = Math.floor((end - 1) / Q) * Q;
  let p = position;
  let remaining = length;
  while (remaining > 0) {
    const value =
      VALUES.find(
        (v) =>
          v.duration <= remaining &&
          fits(v, p, measureLength, beatLength) &&
          !(endsInTriplets && !v.triplet && p + v.duration > lastBeatStart && (p + v.duration) % Q !== 0),
      ) ?? (VALUES[VALUES.length - 1] as WrittenValue);
    out.push(value);
    p += value.duration;
    remaining -= value.duration;
  }
  return out;
}

function fits(value: WrittenValue, position: number, measureLength: number, beatLength: number): boolean {
  if (position + value.duration > measureLength) return false;
  const inBeat = position % beatLength;
  // A compound beat (a dotted quarter) is written whole or in dotted multiples: never a half note across two beats.
  if (value.duration >= beatLength) return inBeat === 0 && (beatLength === Q || value.duration % beatLength === 0);
  if (inBeat + value.duration > beatLength) return false;
  // Triplet eighths (and triplet quarters) sit on the eighth-triplet grid; finer triplets on their own length.
  if (value.triplet) return inBeat % Math.min(value.duration, Q / 3) === 0;
  // Plain values sit on the sixteenth grid, 32nds (and what follows them) on their own.
  return inBeat % Math.min(Q / 4, value.duration) === 0;
}

interface TimelineEvent {
  readonly start: number;
  readonly end: number;
  readonly pitches: readonly { readonly midi: number; readonly velocity: number }[];
}

function withRests(events: readonly VoiceEvent[], totalLength: number): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  let cursor = 0;
  for (const event of events) {
    if (event.start > cursor) out.push({ start: cursor, end: event.start, pitches: [] });
    if (event.end > event.start) out.push(event);
    cursor = Math.max(cursor, event.end);
  }
  if (cursor < totalLength) out.push({ start: cursor, end: totalLength, pitches: [] });
  return out;
}

/** Options of `layoutMeasures`. */
export interface LayoutInput {
  /** Per staff (index 0 = staff 1), its two voices' events. */
  readonly staves: readonly (readonly [readonly VoiceEvent[], readonly VoiceEvent[]])[];
  readonly measureLength: number;
  /** The notated beat, divisions: a quarter (DIVISIONS_PER_QUARTER), or a dotted quarter in 6/8, 9/8 and 12/8. */
  readonly beatLength?: number;
  /** Length of a pickup bar before the first full measure, divisions (0 for none). */
  readonly pickup?: number;
  readonly key: Pick<KeySignature, 'fifths' | 'mode'>;
  /** Metronome marks by 0-based measure index. */
  readonly tempoMarks: ReadonlyMap<number, number>;
  /** Dynamic marks by 0-based measure index. */
  readonly dynamicMarks?: ReadonlyMap<number, Dynamic>;
}

/** Measure boundaries in divisions: an optional pickup bar, then full bars until `lastEnd`, at least one. */
export function measureBounds(pickup: number, measureLength: number, lastEnd: number): [number, number][] {
  const bounds: [number, number][] = pickup > 0 ? [[0, pickup]] : [];
  let barStart = pickup;
  do {
    bounds.push([barStart, barStart + measureLength]);
    barStart += measureLength;
  } while (barStart < lastEnd);
  return bounds;
}

/** Lays voices out in measures (after an optional pickup bar); as long as the last note, and at least one full bar. */
export function layoutMeasures(input: LayoutInput): Measure[] {
  const { measureLength } = input;
  const pickup = input.pickup ?? 0;
  let lastEnd = 0;
  for (const staff of input.staves) for (const voice of staff) for (const e of voice) lastEnd = Math.max(lastEnd, e.end);
  const bounds = measureBounds(pickup, measureLength, lastEnd);
  const total = (bounds[bounds.length - 1] as [number, number])[1];
  const measures: { voices: Voice[] }[] = bounds.map(() => ({ voices: [] }));
  input.staves.forEach((staffVoices, staffIndex) => {
    staffVoices.forEach((events, voiceIndex) => {
      const voiceNumber = staffIndex * 4 + voiceIndex + 1;
      const timeline = withRests(events, total);
      bounds.forEach(([from, to], m) => {
        // The second voice appears only in bars where it has notes.
        if (voiceIndex > 0 && !events.some((e) => e.start < to && e.end > from)) return;
        const elements = measureElements(timeline, from, to, input.key, input.beatLength ?? Q);
        (measures[m] as { voices: Voice[] }).voices.push({ voice: voiceNumber, staff: staffIndex + 1, elements });
      });
    });
  });
  const registers = measures.map((m) => ({ bass: pitchRange(m.voices, 2), treble: pitchRange(m.voices, 1) }));
  const clefChanges = bassStaffClefs(registers.map((r) => r.bass));
  const ottava = registers.map((r) => r.treble !== undefined && r.treble[0] >= OTTAVA_LOWEST && r.treble[1] >= OTTAVA_HIGHEST);
  return measures.map((m, index) => {
    const voices = m.voices.sort((a, b) => a.staff - b.staff || a.voice - b.voice);
    setAccidentals(voices, input.key);
    const clef = clefChanges[index];
    const shifted = ottava[index] === true;
    const tempo = input.tempoMarks.get(index);
    const dynamic = input.dynamicMarks?.get(index);
    const [from, to] = bounds[index] as [number, number];
    return {
      number: pickup > 0 ? index : index + 1,
      implicit: pickup > 0 && index === 0,
      duration: to - from,
      ...(tempo === undefined ? {} : { tempoBpm: tempo }),
      ...(dynamic === undefined ? {} : { dynamic }),
      ...(clef === undefined ? {} : { clefChanges: [clef] }),
      ...(shifted ? { octaveShift: { start: ottava[index - 1] !== true, stop: ottava[index + 1] !== true } } : {}),
      voices,
    };
  });
}

/**
 * Registers that a clef change or an 8va line serves better than ledger lines: a left-hand bar lying wholly at or
 * above middle C and reaching E4 moves to the treble clef, and back below A3 (the bass staff's top line); a right-hand
 * bar wholly above C6 that reaches G6 goes under an 8va line.
 */
const TREBLE_FOR_BASS_LOWEST = 60;
const TREBLE_FOR_BASS_HIGHEST = 64;
const BASS_AGAIN_BELOW = 57;
const OTTAVA_LOWEST = 84;
const OTTAVA_HIGHEST = 91;

/** Lowest and highest pitch a staff plays in a measure (undefined when it only rests). */
function pitchRange(voices: readonly Voice[], staff: number): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const voice of voices) {
    if (voice.staff !== staff) continue;
    for (const element of voice.elements) {
      for (const pitch of element.pitches) {
        lo = Math.min(lo, pitch.midi);
        hi = Math.max(hi, pitch.midi);
      }
    }
  }
  return lo === Infinity ? undefined : [lo, hi];
}

/** The clef of staff 2 where it changes, by measure index (bars that rest keep the clef they have). */
function bassStaffClefs(ranges: readonly ([number, number] | undefined)[]): (Clef | undefined)[] {
  let treble = false;
  return ranges.map((range) => {
    if (range === undefined) return undefined;
    const next = treble ? range[0] >= BASS_AGAIN_BELOW : range[0] >= TREBLE_FOR_BASS_LOWEST && range[1] >= TREBLE_FOR_BASS_HIGHEST;
    if (next === treble) return undefined;
    treble = next;
    return treble ? { staff: 2, sign: 'G', line: 2 } : { staff: 2, sign: 'F', line: 4 };
  });
}

function measureElements(timeline: readonly TimelineEvent[], from: number, to: number, key: LayoutInput['key'], beatLength: number): NotatedElement[] {
  const measureLength = to - from;
  const elements: NotatedElement[] = [];
  for (const event of timeline) {
    if (event.end <= from || event.start >= to) continue;
    const start = Math.max(event.start, from);
    const end = Math.min(event.end, to);
    if (event.pitches.length === 0 && start === from && end === to) {
      elements.push({ position: 0, duration: measureLength, dots: 0, pitches: [], measureRest: true });
      continue;
    }
    let position = start - from;
    const values = writeDuration(position, end - start, measureLength, beatLength);
    for (const value of values) {
      const pieceStart = from + position;
      const pieceEnd = pieceStart + value.duration;
      const pitches: NotatedPitch[] = event.pitches.map((p) => ({
        midi: p.midi,
        ...spellPitch(p.midi, key),
        tieStop: pieceStart > event.start,
        tieStart: pieceEnd < event.end,
        velocity: p.velocity,
      }));
      elements.push({
        position,
        duration: value.duration,
        type: value.type,
        dots: value.dots,
        ...(value.triplet ? { tuplet: { start: false, stop: false } } : {}),
        pitches: event.pitches.length === 0 ? [] : pitches,
        measureRest: false,
      });
      position += value.duration;
    }
  }
  return markBeams(markTupletGroups(elements), beatLength);
}

/** Brackets each run of triplet values within one beat: start on its first element, stop on its last. */
function markTupletGroups(elements: NotatedElement[]): NotatedElement[] {
  return elements.map((element, i) => {
    if (element.tuplet === undefined) return element;
    const beat = Math.floor(element.position / Q);
    const previous = elements[i - 1];
    const next = elements[i + 1];
    const start = previous?.tuplet === undefined || Math.floor(previous.position / Q) !== beat;
    const stop = next?.tuplet === undefined || Math.floor(next.position / Q) !== beat;
    return { ...element, tuplet: { start, stop } };
  });
}

/** Beams per note value: an eighth has one, a sixteenth two, … */
const BEAM_LEVELS: Partial<Record<NoteType, number>> = { eighth: 1, '16th': 2, '32nd': 3, '64th': 4 };

/**
 * Beams each run of notes shorter than a quarter within one notated beat (a quarter, or a dotted quarter in compound
 * metres; a rest ends the run): level 1 joins the whole run, each further level joins the neighbours that have it, and
 * a lone note with a level its neighbours lack gets a hook pointing into the beat.
 */
function markBeams(elements: NotatedElement[], beatLength: number): NotatedElement[] {
  const levelOf = (e: NotatedElement): number => (e.pitches.length === 0 || e.type === undefined ? 0 : (BEAM_LEVELS[e.type] ?? 0));
  const out = [...elements];
  let i = 0;
  while (i < out.length) {
    const beat = Math.floor((out[i] as NotatedElement).position / beatLength);
    let j = i;
    while (j < out.length && levelOf(out[j] as NotatedElement) > 0 && Math.floor((out[j] as NotatedElement).position / beatLength) === beat) j += 1;
    if (j - i >= 2) {
      for (let k = i; k < j; k += 1) {
        const level = levelOf(out[k] as NotatedElement);
        const before = k > i ? levelOf(out[k - 1] as NotatedElement) : 0;
        const after = k + 1 < j ? levelOf(out[k + 1] as NotatedElement) : 0;
        const beams: Beam[] = [];
        for (let n = 1; n <= level; n += 1) {
          const joinsBefore = before >= n;
          const joinsAfter = after >= n;
          const value: Beam['value'] = joinsBefore && joinsAfter ? 'continue' : joinsAfter ? 'begin' : joinsBefore ? 'end' : k === i ? 'forward hook' : 'backward hook';
          beams.push({ number: n, value });
        }
        out[k] = { ...(out[k] as NotatedElement), beams };
      }
    }
    i = Math.max(j, i + 1);
  }
  return out;
}

const ACCIDENTAL_NAMES: Record<number, NonNullable<NotatedPitch['accidental']>> = {
  [-2]: 'flat-flat',
  [-1]: 'flat',
  0: 'natural',
  1: 'sharp',
  2: 'double-sharp',
};

/**
 * Sets written accidentals staff by staff in time order (across voices): an accidental holds for the rest of the bar
 * at that step and octave; a note tied from the previous bar needs none but still sets the state.
 */
function setAccidentals(voices: Voice[], key: LayoutInput['key']): void {
  const staves = new Set(voices.map((v) => v.staff));
  for (const staff of staves) {
    const refs: { position: number; voice: Voice; element: number; pitch: number }[] = [];
    for (const voice of voices) {
      if (voice.staff !== staff) continue;
      voice.elements.forEach((element, e) => element.pitches.forEach((_, p) => refs.push({ position: element.position, voice, element: e, pitch: p })));
    }
    refs.sort((a, b) => a.position - b.position || a.voice.voice - b.voice.voice);
    const state = new Map<string, number>();
    for (const ref of refs) {
      const elements = ref.voice.elements as NotatedElement[];
      const element = elements[ref.element] as NotatedElement;
      const pitch = element.pitches[ref.pitch] as NotatedPitch;
      const id = `${pitch.step}${pitch.octave}`;
      const current = state.get(id) ?? keyAlter(pitch.step, key.fifths);
      state.set(id, pitch.alter);
      if (pitch.tieStop || current === pitch.alter) continue;
      const pitches = [...element.pitches];
      pitches[ref.pitch] = { ...pitch, accidental: ACCIDENTAL_NAMES[pitch.alter] ?? 'natural' };
      elements[ref.element] = { ...element, pitches };
    }
  }
}
