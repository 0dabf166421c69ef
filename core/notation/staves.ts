/** Splitting a piano part between the hands (staves) and into at most two voices per staff. */
import { DIVISIONS_PER_QUARTER, HAND_SPAN_SEMITONES, MIDDLE_C } from './constants';
import type { QuantisedNote } from './quantise';

/**
 * Assigns each note to staff 1 (right hand, treble) or 2 (left hand, bass). Notes starting together are split where
 * the cost is least: a semitone for every note on the wrong side of middle C; half a semitone for every semitone the
 * right hand's top line jumps beyond a fourth, or the left hand's lowest note lies beyond an octave outside what it
 * played in the last bar; heavily for a hand span over a ninth; for splitting a chord at an interval narrower than a
 * fourth; BROKEN_LINE_COST for handing the left hand a note that continues the right hand's line by step. A split at
 * a wide interval earns half its width back (the gap between melody and accompaniment). So a melody that dips below
 * middle C stays on the treble staff, and off-beat accompaniment chords join their bass. With `leftHand` (the hands
 * model's probability per note), each split also costs HAND_MODEL_WEIGHT × −log of the probability of the staff each
 * note gets: the model moves notes the register would misplace, while the continuity costs keep a line from flipping
 * staves on one doubtful note. Input sorted by start.
 */
export function assignStaves(notes: readonly QuantisedNote[], leftHand?: ArrayLike<number>): Uint8Array {
  // What the hands model says against each staff: HAND_MODEL_WEIGHT × −log of its probability.
  const handCost = (index: number, left: boolean): number => {
    if (leftHand === undefined) return 0;
    const p = Math.min(1 - HAND_PROBABILITY_FLOOR, Math.max(HAND_PROBABILITY_FLOOR, leftHand[index] ?? 0.5));
    return -HAND_MODEL_WEIGHT * Math.log(left ? p : 1 - p);
  };
  const staves = new Uint8Array(notes.length);
  let rightTop: number | undefined;
  // What the left hand played in the last bar: accompaniment leaps (bass, then chord) but stays in that region.
  let leftRecent: { start: number; pitch: number }[] = [];
  let i = 0;
  while (i < notes.length) {
    const start = (notes[i] as QuantisedNote).start;
    let j = i;
    while (j < notes.length && (notes[j] as QuantisedNote).start === start) j += 1;
    const group = Array.from({ length: j - i }, (_, k) => i + k).sort(
      (a, b) => (notes[a] as QuantisedNote).pitch - (notes[b] as QuantisedNote).pitch,
    );
    const pitches = group.map((index) => (notes[index] as QuantisedNote).pitch);
    leftRecent = leftRecent.filter((n) => n.start > start - HAND_MEMORY_DIVISIONS);
    const leftLow = Math.min(...leftRecent.map((n) => n.pitch));
    const leftHigh = Math.max(...leftRecent.map((n) => n.pitch));
    let bestSplit = 0;
    let bestCost = Infinity;
    for (let split = 0; split <= pitches.length; split += 1) {
      const left = pitches.slice(0, split);
      const right = pitches.slice(split);
      let cost = 0;
      for (const p of left) cost += Math.max(0, p - MIDDLE_C);
      for (const p of right) cost += Math.max(0, MIDDLE_C - p);
      group.forEach((index, k) => {
        cost += handCost(index, k < split);
      });
      const top = right[right.length - 1];
      const bottom = left[0];
      if (top !== undefined && rightTop !== undefined) cost += 0.5 * Math.max(0, Math.abs(top - rightTop) - MELODY_STEP);
      // Leaving the right hand idle when the highest note would continue its line by step breaks the melody.
      const highest = pitches[pitches.length - 1] as number;
      if (top === undefined && rightTop !== undefined && Math.abs(highest - rightTop) <= MELODY_STEP) cost += BROKEN_LINE_COST;
      if (bottom !== undefined && leftRecent.length > 0) {
        const outside = bottom < leftLow ? leftLow - bottom : bottom > leftHigh ? bottom - leftHigh : 0;
        cost += 0.5 * Math.max(0, outside - BASS_STEP);
      }
      for (const hand of [left, right]) {
        if (hand.length > 1) cost += 20 * Math.max(0, (hand[hand.length - 1] as number) - (hand[0] as number) - HAND_SPAN_SEMITONES);
      }
      if (left.length > 0 && right.length > 0) {
        const gap = (right[0] as number) - (left[left.length - 1] as number);
        cost += CLOSE_SPLIT_COST * Math.max(0, CLOSE_INTERVAL - gap) - 0.5 * gap;
      }
      if (cost < bestCost) {
        bestCost = cost;
        bestSplit = split;
      }
    }
    group.forEach((index, k) => {
      staves[index] = k < bestSplit ? 2 : 1;
    });
    if (bestSplit < pitches.length) rightTop = pitches[pitches.length - 1];
    for (const pitch of pitches.slice(0, bestSplit)) leftRecent.push({ start, pitch });
    i = j;
  }
  return staves;
}

/**
 * Free movement, semitones: of the right hand's top line (a fourth) from its last note, and of the left hand's lowest
 * note (an octave) outside the range it played in the last HAND_MEMORY_DIVISIONS.
 */
const MELODY_STEP = 5;
const BASS_STEP = 12;
/** Cost of handing a stepwise continuation of the right hand's line to the left hand. */
const BROKEN_LINE_COST = 3;
/** How long the left hand's range is remembered (divisions): one 4/4 bar. */
const HAND_MEMORY_DIVISIONS = 4 * DIVISIONS_PER_QUARTER;
/** Splitting a chord between hands at an interval narrower than a fourth costs this much per missing semitone. */
const CLOSE_INTERVAL = 5;
const CLOSE_SPLIT_COST = 2;
/**
 * With the hands model's left-hand probabilities, each note also costs HAND_MODEL_WEIGHT × −log(probability of the
 * staff it is put on), the probability kept within HAND_PROBABILITY_FLOOR of 0 and 1 (so a sure model outweighs about
 * 18 semitones of other costs). Tuned on the evaluation's tuning pieces (weights 1–8; 3–6 about equal).
 */
const HAND_MODEL_WEIGHT = 4;
const HAND_PROBABILITY_FLOOR = 0.01;

/** A chord (or single note) in one voice: start/end in divisions from the start of the score. */
export interface VoiceEvent {
  start: number;
  end: number;
  readonly pitches: { readonly midi: number; readonly velocity: number }[];
}

/**
 * Distributes one staff's notes over two voices. Notes struck together form a chord (a note held far longer is a
 * chord of its own); a chord goes to voice 1 when it is free. When voice 1 still sounds, the chord opens voice 2 only
 * if voice 1 is held on past its end (by HELD_BEYOND) or voice 2 is already a line; otherwise the overlap is legato
 * and voice 1's chord is cut at the new start. When both voices sound, the one that frees first is cut at the new
 * start (a transcription's overlaps are mostly legato, not counterpoint). A note that overlaps the next without being
 * held under it would also be scored so by MV2H (its voice links each chord to the chords that start where it ends).
 * Returns [voice 1 events, voice 2 events].
 */
export function assignVoices(notes: readonly QuantisedNote[]): [VoiceEvent[], VoiceEvent[]] {
  const sorted = [...notes].sort((a, b) => a.start - b.start || a.end - b.end || a.pitch - b.pitch);
  const chords: VoiceEvent[] = [];
  // Notes struck together are one chord, as long as its longest note, unless one is held far longer than the
  // chord's shortest (HELD_NOTE_RATIO times, and an eighth more): that one is a line of its own (a held bass under
  // repeated chords).
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j < sorted.length && (sorted[j] as QuantisedNote).start === (sorted[i] as QuantisedNote).start) j += 1;
    const group = sorted.slice(i, j);
    const shortest = group[0] as QuantisedNote;
    const length = shortest.end - shortest.start;
    const held = (n: QuantisedNote): boolean => n.end - n.start >= HELD_NOTE_RATIO * length && n.end - n.start >= length + DIVISIONS_PER_QUARTER / 2;
    const together = group.filter((n) => !held(n));
    chords.push({ start: shortest.start, end: Math.max(...together.map((n) => n.end)), pitches: together.map((n) => ({ midi: n.pitch, velocity: n.velocity })) });
    const apart = group.filter(held);
    if (apart.length > 0) {
      chords.push({ start: shortest.start, end: Math.max(...apart.map((n) => n.end)), pitches: apart.map((n) => ({ midi: n.pitch, velocity: n.velocity })) });
    }
    i = j;
  }
  const top = (event: VoiceEvent): number => Math.max(...event.pitches.map((p) => p.midi));
  chords.sort((a, b) => a.start - b.start || top(b) - top(a));
  const voices: [VoiceEvent[], VoiceEvent[]] = [[], []];
  const endOf = (v: VoiceEvent[]): number => v[v.length - 1]?.end ?? 0;
  for (const chord of chords) {
    const current = voices[0][voices[0].length - 1];
    if (endOf(voices[0]) <= chord.start) voices[0].push(chord);
    else if (
      current !== undefined &&
      current.start < chord.start &&
      current.end < chord.end + HELD_BEYOND && // voice 1 is not held on under the new chord
      !(voices[1].length > 0 && endOf(voices[1]) >= chord.start - CONTINUING_GAP) // nor is voice 2 a running line
    ) {
      // It overlaps the line's last chord without being held under it (a staircase, the legato of a played line or of
      // a release read late): the line moves on, no second voice starts.
      current.end = chord.start;
      voices[0].push(chord);
    } else if (endOf(voices[1]) <= chord.start) voices[1].push(chord);
    else {
      const target = endOf(voices[0]) <= endOf(voices[1]) ? voices[0] : voices[1];
      const last = target[target.length - 1] as VoiceEvent;
      if (last.start < chord.start) {
        last.end = chord.start;
        target.push(chord);
      } else {
        // Same start: join the chord, sounding as long as the shorter of the two so nothing overlaps.
        for (const p of chord.pitches) if (!last.pitches.some((q) => q.midi === p.midi)) last.pitches.push(p);
        last.end = Math.min(last.end, chord.end);
      }
    }
  }
  for (const voice of voices) {
    for (const event of voice) event.pitches.sort((a, b) => a.midi - b.midi);
    closeSmallGaps(voice);
  }
  return voices;
}

/**
 * A note struck with a chord is a voice of its own when it lasts this many times the chord's shortest note (and an
 * eighth longer); shorter differences are the uneven releases of one chord, written as one chord.
 */
const HELD_NOTE_RATIO = 2;
/**
 * A chord that starts while voice 1 sounds opens voice 2 only when voice 1 goes on at least HELD_BEYOND (an eighth)
 * after it ends, or when voice 2 is a line already (it ended at most CONTINUING_GAP, a sixteenth, before).
 */
const HELD_BEYOND = DIVISIONS_PER_QUARTER / 2;
const CONTINUING_GAP = DIVISIONS_PER_QUARTER / 4;

/**
 * Transcribed releases come early and vary, and a reader writes a note up to the next one: a gap in a voice of at
 * most a sixteenth, or at most half the note's own length, is closed by lengthening the note (a longer gap stays a rest).
 */
function closeSmallGaps(voice: VoiceEvent[]): void {
  for (let i = 0; i + 1 < voice.length; i += 1) {
    const event = voice[i] as VoiceEvent;
    const gap = (voice[i + 1] as VoiceEvent).start - event.end;
    if (gap > 0 && gap <= Math.max(DIVISIONS_PER_QUARTER / 4, (event.end - event.start) / 2)) event.end += gap;
  }
}
