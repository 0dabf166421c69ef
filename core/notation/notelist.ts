/** Plain note-list outputs for evaluation and other tools. */
import { midiToHz } from '../params';
import type { Note } from '../types';

/**
 * The notes in mir_eval's transcription text format (`mir_eval.io.load_valued_intervals`): one note per line,
 * `onset_seconds offset_seconds frequency_hz`, tab-separated, sorted by onset then pitch. Six decimals (µs) for
 * times, four for frequency.
 */
export function toNoteListText(notes: readonly Note[]): string {
  return sortNotes(notes)
    .map((n) => `${n.onsetSeconds.toFixed(6)}\t${n.offsetSeconds.toFixed(6)}\t${midiToHz(n.pitch).toFixed(4)}\n`)
    .join('');
}

/** JSON document written by `toNoteJson`. */
export interface NoteJson {
  readonly format: 'notescribe-notes';
  readonly version: 1;
  readonly notes: readonly (Note & { readonly frequencyHz: number })[];
}

/** The notes as a JSON document (`NoteJson`), pretty-printed with a final newline, sorted by onset then pitch. */
export function toNoteJson(notes: readonly Note[]): string {
  const document: NoteJson = {
    format: 'notescribe-notes',
    version: 1,
    notes: sortNotes(notes).map((n) => ({
      pitch: n.pitch,
      onsetSeconds: n.onsetSeconds,
      offsetSeconds: n.offsetSeconds,
      velocity: n.velocity,
      frequencyHz: midiToHz(n.pitch),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function sortNotes(notes: readonly Note[]): Note[] {
  return [...notes].sort((a, b) => a.onsetSeconds - b.onsetSeconds || a.pitch - b.pitch);
}
