/** MusicXML 4.0 partwise writer: Score → Part → Measure → voices → notes, built with xmlbuilder2. */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { DYNAMIC_VELOCITIES, FORTE_VELOCITY } from './constants';
import { NotationError } from './errors';
import type { Measure, NotatedElement, Part, Score } from './model';

/** The MusicXML 4.0 partwise document type. */
export const MUSICXML_DOCTYPE = {
  pubID: '-//Recordare//DTD MusicXML 4.0 Partwise//EN',
  sysID: 'http://www.musicxml.org/dtds/partwise.dtd',
} as const;

/**
 * Writes a score as an uncompressed MusicXML 4.0 partwise document (UTF-8 text, with XML declaration and DOCTYPE).
 * Deterministic: the same score always gives the same bytes (no dates).
 */
export function toMusicXml(score: Score): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' })
    .dtd(MUSICXML_DOCTYPE)
    .ele('score-partwise', { version: '4.0' });
  root.ele('work').ele('work-title').txt(score.title);
  const identification = root.ele('identification');
  if (score.composer !== undefined) identification.ele('creator', { type: 'composer' }).txt(score.composer);
  identification.ele('encoding').ele('software').txt('notescribe');
  const partList = root.ele('part-list');
  for (const part of score.parts) {
    const scorePart = partList.ele('score-part', { id: part.id });
    scorePart.ele('part-name').txt(part.name);
    scorePart.ele('score-instrument', { id: `${part.id}-I1` }).ele('instrument-name').txt(part.name);
    const midi = scorePart.ele('midi-instrument', { id: `${part.id}-I1` });
    midi.ele('midi-channel').txt('1');
    midi.ele('midi-program').txt('1');
  }
  for (const part of score.parts) {
    const partElement = root.ele('part', { id: part.id });
    part.measures.forEach((measure, index) => {
      try {
        writeMeasure(partElement, score, part, measure, index === 0, index === part.measures.length - 1);
      } catch (error) {
        throw new NotationError(`In part ${part.id}, measure ${measure.number}: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
          context: { part: part.id, measure: measure.number },
        });
      }
    });
  }
  return root.end({ prettyPrint: true });
}

function writeMeasure(parent: XMLBuilder, score: Score, part: Part, measure: Measure, first: boolean, last: boolean): void {
  const element = parent.ele('measure', measure.implicit ? { number: String(measure.number), implicit: 'yes' } : { number: String(measure.number) });
  if (first) {
    const attributes = element.ele('attributes');
    attributes.ele('divisions').txt(String(score.divisions));
    const key = attributes.ele('key');
    key.ele('fifths').txt(String(score.key.fifths));
    key.ele('mode').txt(score.key.mode);
    const time = attributes.ele('time');
    time.ele('beats').txt(String(score.timeSignature.beats));
    time.ele('beat-type').txt(String(score.timeSignature.beatType));
    attributes.ele('staves').txt(String(part.staves));
    // A first bar that already needs another clef opens with it.
    for (const clef of part.clefs.map((c) => measure.clefChanges?.find((change) => change.staff === c.staff) ?? c)) {
      const c = attributes.ele('clef', { number: String(clef.staff) });
      c.ele('sign').txt(clef.sign);
      c.ele('line').txt(String(clef.line));
    }
  }
  if (!first && measure.clefChanges !== undefined) {
    const attributes = element.ele('attributes');
    for (const clef of measure.clefChanges) {
      const c = attributes.ele('clef', { number: String(clef.staff) });
      c.ele('sign').txt(clef.sign);
      c.ele('line').txt(String(clef.line));
    }
  }
  if (measure.octaveShift?.start === true) {
    // MusicXML pitches stay the sounding ones; type "down" prints them an octave lower under an 8va line.
    const direction = element.ele('direction', { placement: 'above' });
    direction.ele('direction-type').ele('octave-shift', { type: 'down', size: '8', number: '1' });
    direction.ele('staff').txt('1');
  }
  if (measure.tempoBpm !== undefined) {
    const direction = element.ele('direction', { placement: 'above' });
    const metronome = direction.ele('direction-type').ele('metronome');
    metronome.ele('beat-unit').txt('quarter');
    // In 6/8, 9/8 and 12/8 the mark counts the dotted quarter, as the music does; <sound tempo> stays in quarters.
    const compound = score.timeSignature.beatType === 8 && score.timeSignature.beats % 3 === 0 && score.timeSignature.beats > 3;
    if (compound) metronome.ele('beat-unit-dot');
    metronome.ele('per-minute').txt(String(compound ? Math.round(measure.tempoBpm / 1.5) : measure.tempoBpm));
    direction.ele('staff').txt('1');
    direction.ele('sound', { tempo: String(measure.tempoBpm) });
  }
  if (measure.dynamic !== undefined) {
    const direction = element.ele('direction', { placement: 'below' });
    direction.ele('direction-type').ele('dynamics').ele(measure.dynamic);
    direction.ele('staff').txt('1');
    direction.ele('sound', { dynamics: String(Math.round((100 * DYNAMIC_VELOCITIES[measure.dynamic]) / FORTE_VELOCITY)) });
  }
  measure.voices.forEach((voice, index) => {
    if (index > 0) element.ele('backup').ele('duration').txt(String(measure.duration));
    for (const written of voice.elements) writeElement(element, written, voice.voice, voice.staff);
  });
  if (measure.octaveShift?.stop === true) {
    const direction = element.ele('direction');
    direction.ele('direction-type').ele('octave-shift', { type: 'stop', size: '8', number: '1' });
    direction.ele('staff').txt('1');
  }
  if (last) element.ele('barline', { location: 'right' }).ele('bar-style').txt('light-heavy');
}

function writeElement(parent: XMLBuilder, element: NotatedElement, voice: number, staff: number): void {
  if (element.pitches.length === 0 && isSecondVoice(voice) && element.tuplet === undefined) {
    // A second voice's gaps are skipped with <forward> (invisible rests), so only the first voice shows rests.
    const forward = parent.ele('forward');
    forward.ele('duration').txt(String(element.duration));
    forward.ele('voice').txt(String(voice));
    forward.ele('staff').txt(String(staff));
    return;
  }
  if (element.pitches.length === 0) {
    const note = parent.ele('note');
    note.ele('rest', element.measureRest ? { measure: 'yes' } : {});
    note.ele('duration').txt(String(element.duration));
    note.ele('voice').txt(String(voice));
    writeValue(note, element);
    note.ele('staff').txt(String(staff));
    writeTuplet(note, element, undefined);
    return;
  }
  element.pitches.forEach((pitch, index) => {
    const note = parent.ele('note');
    if (index > 0) note.ele('chord');
    const p = note.ele('pitch');
    p.ele('step').txt(pitch.step);
    if (pitch.alter !== 0) p.ele('alter').txt(String(pitch.alter));
    p.ele('octave').txt(String(pitch.octave));
    note.ele('duration').txt(String(element.duration));
    if (pitch.tieStop) note.ele('tie', { type: 'stop' });
    if (pitch.tieStart) note.ele('tie', { type: 'start' });
    note.ele('voice').txt(String(voice));
    writeValue(note, element, pitch.accidental);
    note.ele('staff').txt(String(staff));
    // Beams belong to the chord's first note (MuseScore and LilyPond read them there).
    if (index === 0) for (const beam of element.beams ?? []) note.ele('beam', { number: String(beam.number) }).txt(beam.value);
    const tied: ('start' | 'stop')[] = [];
    if (pitch.tieStop) tied.push('stop');
    if (pitch.tieStart) tied.push('start');
    // Tuplet brackets belong to the chord's first note only.
    writeTuplet(note, index === 0 ? element : undefined, tied);
  });
}

/** Voices 2 and 6: the second voice of each staff. */
function isSecondVoice(voice: number): boolean {
  return voice % 4 === 2;
}

/** type, dots, accidental and time-modification, in the schema's order. */
function writeValue(note: XMLBuilder, element: NotatedElement, accidental?: string): void {
  if (element.type !== undefined) note.ele('type').txt(element.type);
  for (let d = 0; d < element.dots; d += 1) note.ele('dot');
  if (accidental !== undefined) note.ele('accidental').txt(accidental);
  if (element.tuplet !== undefined) {
    const modification = note.ele('time-modification');
    modification.ele('actual-notes').txt('3');
    modification.ele('normal-notes').txt('2');
  }
}

function writeTuplet(note: XMLBuilder, element: NotatedElement | undefined, tied: readonly ('start' | 'stop')[] | undefined): void {
  const tuplet = element?.tuplet;
  const brackets: ('start' | 'stop')[] = [];
  if (tuplet?.start === true) brackets.push('start');
  if (tuplet?.stop === true) brackets.push('stop');
  if (brackets.length === 0 && (tied === undefined || tied.length === 0)) return;
  const notations = note.ele('notations');
  for (const type of tied ?? []) notations.ele('tied', { type });
  for (const type of brackets) notations.ele('tuplet', { type, number: '1', bracket: 'yes' });
}
