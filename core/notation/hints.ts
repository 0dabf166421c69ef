/**
 * Score hints: what the user knows better than the notes (tempo, time signature, key) and what the notes cannot say
 * at all (title, composer). The CLI flags and the pipeline's upload metadata arrive as plain strings;
 * `parseScoreHints` turns them into `ScoreHints`, which `buildScore` honours.
 */
import { NotescribeError } from '../errors';
import type { KeySignature, TimeSignature } from './model';

/** Hints that override what `buildScore` would estimate, and header text it cannot estimate. */
export interface ScoreHints {
  /** Work title in the MusicXML header and the MIDI track name. */
  readonly title?: string;
  /** Composer, written as `<creator type="composer">`. */
  readonly composer?: string;
  /** Tempo in quarter notes per minute (a dotted-quarter beat of 6/8 at 60 is 90 here). */
  readonly tempoBpm?: number;
  /** The written time signature; the notes fill its bars from the first note (or a pickup bar). */
  readonly timeSignature?: TimeSignature;
  /** The key signature and mode. */
  readonly key?: Pick<KeySignature, 'fifths' | 'mode' | 'tonicPitchClass'>;
}

/** The same hints as the user typed them; an empty or blank string is the same as leaving it out. */
export interface ScoreHintText {
  readonly title?: string;
  readonly composer?: string;
  /** Quarter notes per minute, e.g. '96' or '72.5'. */
  readonly tempo?: string;
  /** e.g. '6/8', '4/4', '2/2', 'C' (common time) or '¢' (cut time). */
  readonly timeSignature?: string;
  /** e.g. 'Eb major', 'F# minor', 'c minor', 'Bbm', 'A' (major when the mode is left out). */
  readonly key?: string;
}

/** Tempo hints outside this range (quarter notes per minute) are typing errors, not music. */
export const HINT_TEMPO_RANGE_BPM = [20, 400] as const;
/** Beat types a time signature may have. */
const BEAT_TYPES = [1, 2, 4, 8, 16, 32];
/** Most beats a bar may hold (35/16 and the like exist; beyond this it is a typing error). */
const MAX_BEATS = 32;

/** Fifths of each natural tonic on the line of fifths (C = 0, G = 1, … F = −1). */
const LETTER_FIFTHS: Readonly<Record<string, number>> = { F: -1, C: 0, G: 1, D: 2, A: 3, E: 4, B: 5 };
const LETTER_PITCH_CLASS: Readonly<Record<string, number>> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };

/**
 * Parses hints typed by a user. Every problem is collected and reported at once, as NotescribeError
 * `INVALID_SETTINGS` naming each field and what it accepts.
 *
 * @example
 * parseScoreHints({ tempo: '96', timeSignature: '6/8', key: 'Eb major' });
 * // → { tempoBpm: 96, timeSignature: { beats: 6, beatType: 8 }, key: { fifths: -3, mode: 'major', tonicPitchClass: 3 } }
 */
export function parseScoreHints(text: ScoreHintText): ScoreHints {
  const problems: string[] = [];
  const hints: { -readonly [K in keyof ScoreHints]: ScoreHints[K] } = {};
  const title = present(text.title);
  if (title !== undefined) hints.title = title;
  const composer = present(text.composer);
  if (composer !== undefined) hints.composer = composer;
  const tempo = present(text.tempo);
  if (tempo !== undefined) {
    const bpm = /^\d+(\.\d+)?$/.test(tempo) ? Number(tempo) : Number.NaN;
    const [lo, hi] = HINT_TEMPO_RANGE_BPM;
    if (Number.isFinite(bpm) && bpm >= lo && bpm <= hi) hints.tempoBpm = bpm;
    else problems.push(`tempo "${tempo}" is not a number of quarter notes per minute from ${lo} to ${hi}`);
  }
  const metre = present(text.timeSignature);
  if (metre !== undefined) {
    const parsed = parseTimeSignature(metre);
    if (parsed === undefined) {
      problems.push(`time signature "${metre}" is not beats/beat-type (1–${MAX_BEATS} over ${BEAT_TYPES.join(', ')}), C or ¢`);
    } else hints.timeSignature = parsed;
  }
  const key = present(text.key);
  if (key !== undefined) {
    const parsed = parseKey(key);
    if (parsed === undefined) problems.push(`key "${key}" is not a tonic A–G with an optional # or b and major or minor (e.g. "Eb major", "f# minor")`);
    else hints.key = parsed;
  }
  if (problems.length > 0) {
    throw new NotescribeError('INVALID_SETTINGS', `Invalid score hints: ${problems.join('; ')}`, { context: { problems } });
  }
  return hints;
}

function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function parseTimeSignature(text: string): TimeSignature | undefined {
  if (text === 'C') return { beats: 4, beatType: 4 };
  if (text === '¢' || text === 'C|') return { beats: 2, beatType: 2 };
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
  if (match === null) return undefined;
  const beats = Number(match[1]);
  const beatType = Number(match[2]);
  if (beats < 1 || beats > MAX_BEATS || !BEAT_TYPES.includes(beatType)) return undefined;
  return { beats, beatType };
}

/** 'Eb major', 'eb', 'D# minor', 'c#m', 'B♭ minor': the letter's case does not decide the mode, the word does. */
function parseKey(text: string): ScoreHints['key'] {
  const match = /^([A-Ga-g])\s*(#|♯|b|♭|-flat|-sharp| flat| sharp)?\s*(major|maj|minor|min|m|M)?$/u.exec(text.replace(/\s+/g, ' '));
  if (match === null) return undefined;
  const letter = (match[1] as string).toUpperCase();
  const accidental = match[2]?.trim() ?? '';
  const alter = ['#', '♯', '-sharp', 'sharp'].includes(accidental) ? 1 : ['b', '♭', '-flat', 'flat'].includes(accidental) ? -1 : 0;
  const modeWord = match[3];
  const mode = modeWord === undefined || modeWord === 'M' || modeWord.startsWith('maj') ? 'major' : 'minor';
  const tonicFifths = (LETTER_FIFTHS[letter] as number) + 7 * alter;
  // A minor key's signature is its relative major's: three fifths flatwards of its tonic.
  const fifths = mode === 'major' ? tonicFifths : tonicFifths - 3;
  // Keys with more than seven sharps or flats (G# major, Fb major) are spelt enharmonically in print.
  if (fifths < -7 || fifths > 7) return undefined;
  const tonicPitchClass = ((((LETTER_PITCH_CLASS[letter] as number) + alter) % 12) + 12) % 12;
  return { fifths, mode, tonicPitchClass };
}
