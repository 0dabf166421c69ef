import type { Note } from '../types';

/** The notated score, built by `buildScore` and serialised by `toMusicXml`, `toMxl` and `toMidi`. */
export interface Score {
  readonly title: string;
  /** Composer from the hints, written as `<creator type="composer">`; absent when unknown. */
  readonly composer?: string;
  /** MusicXML divisions per quarter note (DIVISIONS_PER_QUARTER). */
  readonly divisions: number;
  readonly timeSignature: TimeSignature;
  readonly key: KeySignature;
  /**
   * Performed time (seconds) of every quarter-note beat of the score: beat k starts at `beatTimesSeconds[k]`; beat 0
   * starts the first measure (a pickup bar, if there is one) and may lie before 0 s. Covers every note.
   */
  readonly beatTimesSeconds: readonly number[];
  readonly parts: readonly Part[];
  /** The sanitised performed notes the score was built from (sorted by onset, then pitch). */
  readonly notes: readonly Note[];
  /** The staff (1 treble, 2 bass) each of `notes` is written on. */
  readonly noteStaves: readonly number[];
}

export interface TimeSignature {
  readonly beats: number;
  readonly beatType: number;
}

export interface KeySignature {
  /** Sharps (positive) or flats (negative), −6 … 5. */
  readonly fifths: number;
  readonly mode: 'major' | 'minor';
  /** Tonic pitch class, 0 = C … 11 = B. */
  readonly tonicPitchClass: number;
  /** Pearson correlation of the pitch-class profile with the chosen key profile, −1 … 1 (0 with no notes). */
  readonly correlation: number;
}

/** One instrument: for piano a grand staff (staff 1 treble, staff 2 bass). */
export interface Part {
  readonly id: string;
  readonly name: string;
  readonly staves: number;
  readonly clefs: readonly Clef[];
  readonly measures: readonly Measure[];
}

export interface Clef {
  readonly staff: number;
  readonly sign: 'G' | 'F';
  readonly line: number;
}

export interface Measure {
  /** 1-based; 0 for a pickup (anacrusis) bar. */
  readonly number: number;
  /** A pickup bar: shorter than the time signature, not counted (MusicXML implicit="yes"). */
  readonly implicit: boolean;
  /** Length in divisions. */
  readonly duration: number;
  /** A metronome mark written at the start of this measure, quarter notes per minute, where the tempo changes. */
  readonly tempoBpm?: number;
  /** A dynamic mark written at the start of this measure, where the playing level changes. */
  readonly dynamic?: Dynamic;
  /** Clefs that change at the start of this measure (a left hand high up reads in the treble clef). */
  readonly clefChanges?: readonly Clef[];
  /** An 8va line over staff 1 runs through this measure: `start` where it begins, `stop` where it ends. */
  readonly octaveShift?: { readonly start: boolean; readonly stop: boolean };
  /** Each voice fills the measure exactly (rests included); written in this order with <backup> between. */
  readonly voices: readonly Voice[];
}

/** Dynamic marks, softest first. */
export type Dynamic = 'pp' | 'p' | 'mp' | 'mf' | 'f' | 'ff';

export interface Voice {
  /** MusicXML voice number: 1–2 on staff 1, 5–6 on staff 2 (as MuseScore numbers them). */
  readonly voice: number;
  readonly staff: number;
  readonly elements: readonly NotatedElement[];
}

/** A written note, chord or rest: one symbol on the page. */
export interface NotatedElement {
  /** Position in the measure, divisions. */
  readonly position: number;
  readonly duration: number;
  /** MusicXML note type ('whole' … '64th'); absent for a whole-measure rest. */
  readonly type?: NoteType;
  readonly dots: number;
  /** Present for triplet values: 3 in the time of 2, with bracket start/stop on the first/last of a group. */
  readonly tuplet?: { readonly start: boolean; readonly stop: boolean };
  /** Empty for a rest. Ascending pitch. */
  readonly pitches: readonly NotatedPitch[];
  readonly measureRest: boolean;
  /** Beams joining this note to its neighbours in the beat, level 1 (eighths) first; absent when unbeamed. */
  readonly beams?: readonly Beam[];
}

/** One beam level of a note (MusicXML `<beam number>`). */
export interface Beam {
  readonly number: number;
  readonly value: 'begin' | 'continue' | 'end' | 'forward hook' | 'backward hook';
}

export type NoteType = 'whole' | 'half' | 'quarter' | 'eighth' | '16th' | '32nd' | '64th';

export interface NotatedPitch {
  readonly midi: number;
  readonly step: 'C' | 'D' | 'E' | 'F' | 'G' | 'A' | 'B';
  /** −2 … 2 semitones. */
  readonly alter: number;
  readonly octave: number;
  /** Written accidental, where the key signature and earlier accidentals in the bar do not already imply it. */
  readonly accidental?: 'sharp' | 'flat' | 'natural' | 'double-sharp' | 'flat-flat';
  readonly tieStart: boolean;
  readonly tieStop: boolean;
  readonly velocity: number;
}
