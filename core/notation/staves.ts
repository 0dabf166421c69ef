/** Splitting a piano part between the hands (staves) and into at most two voices per staff. */
import { DIVISIONS_PER_QUARTER, HAND_SPAN_SEMITONES, MIDDLE_C } from './constants';
import type { QuantisedNote } from './quantise';

/**
 * Assigns each note to staff 1 (right hand, treble) or 2 (left hand, bass). Notes starting together are split at the
 * point that keeps each hand nearest its running centre, within a hand span, with a mild pull towards middle C as the
 * boundary. Because the centres follow the music, a melody that dips below middle C stays on its staff.
 * Input sorted by start; returns staff numbers in input order.
 */
export function assignStaves(notes: readonly QuantisedNote[]): Uint8Array {
  const staves = new Uint8Array(notes.length);
  let left = MIDDLE_C - 12;
  let right = MIDDLE_C + 12;
  let i = 0;
  while (i < notes.length) {
    let j = i;
    while (j < notes.length && (notes[j] as QuantisedNote).start === (notes[i] as QuantisedNote).start) j += 1;
    const group = Array.from({ length: j - i }, (_, k) => i + k).sort(
      (a, b) => (notes[a] as QuantisedNote).pitch - (notes[b] as QuantisedNote).pitch,
    );
    const pitches = group.map((index) => (notes[index] as QuantisedNote).pitch);
    let bestSplit = 0;
    let bestCost = Infinity;
    for (let split = 0; split <= pitches.length; split += 1) {
      const cost = splitCost(pitches.slice(0, split), left) + splitCost(pitches.slice(split), right, true);
      if (cost < bestCost) {
        bestCost = cost;
        bestSplit = split;
      }
    }
    const lower = pitches.slice(0, bestSplit);
    const upper = pitches.slice(bestSplit);
    group.forEach((index, k) => {
      staves[index] = k < bestSplit ? 2 : 1;
    });
    // Centres drift with the music but stay on their side of middle C, so an idle hand cannot be captured.
    if (lower.length > 0) left = Math.min(MIDDLE_C, Math.max(28, 0.7 * left + 0.3 * mean(lower)));
    if (upper.length > 0) right = Math.max(MIDDLE_C, Math.min(96, 0.7 * right + 0.3 * mean(upper)));
    i = j;
  }
  return staves;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function splitCost(pitches: readonly number[], centre: number, upperHand = false): number {
  if (pitches.length === 0) return 0;
  let cost = 0;
  for (const p of pitches) {
    cost += Math.abs(p - centre);
    cost += 0.5 * Math.max(0, upperHand ? MIDDLE_C - 3 - p : p - MIDDLE_C - 4);
  }
  const span = (pitches[pitches.length - 1] as number) - (pitches[0] as number);
  return cost + 20 * Math.max(0, span - HAND_SPAN_SEMITONES);
}

/** A chord (or single note) in one voice: start/end in divisions from the start of the score. */
export interface VoiceEvent {
  start: number;
  end: number;
  readonly pitches: { readonly midi: number; readonly velocity: number }[];
}

/**
 * Distributes one staff's notes over two voices. Notes with the same start and end form a chord; a chord goes to
 * voice 1 when it is free, else voice 2; when both still sound, the voice that frees first is cut short at the new
 * start (a transcription's overlaps are mostly legato, not counterpoint). Returns [voice 1 events, voice 2 events].
 */
export function assignVoices(notes: readonly QuantisedNote[]): [VoiceEvent[], VoiceEvent[]] {
  const sorted = [...notes].sort((a, b) => a.start - b.start || a.end - b.end || a.pitch - b.pitch);
  const chords: VoiceEvent[] = [];
  for (const note of sorted) {
    const last = chords[chords.length - 1];
    if (last !== undefined && last.start === note.start && last.end === note.end) last.pitches.push({ midi: note.pitch, velocity: note.velocity });
    else chords.push({ start: note.start, end: note.end, pitches: [{ midi: note.pitch, velocity: note.velocity }] });
  }
  const top = (event: VoiceEvent): number => Math.max(...event.pitches.map((p) => p.midi));
  chords.sort((a, b) => a.start - b.start || top(b) - top(a));
  const voices: [VoiceEvent[], VoiceEvent[]] = [[], []];
  const endOf = (v: VoiceEvent[]): number => v[v.length - 1]?.end ?? 0;
  for (const chord of chords) {
    if (endOf(voices[0]) <= chord.start) voices[0].push(chord);
    else if (endOf(voices[1]) <= chord.start) voices[1].push(chord);
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
