/**
 * Notation: performed notes → a notated score → MusicXML 4.0, compressed MusicXML, standard MIDI, JSON and mir_eval
 * note lists.
 */
export { buildScore, sanitiseNotes, tempoMarks, dynamicMarks, type BuildScoreOptions } from './score';
export { toMusicXml, MUSICXML_DOCTYPE } from './musicxml';
export { toMxl, mxlContainerXml, MXL_MIMETYPE, MXL_ROOT_FILE } from './mxl';
export { toMidi, midiTempoMap, secondsToTicks, type TempoSegment } from './midi';
export { toNoteJson, toNoteListText, type NoteJson } from './notelist';
export { estimateTempo, trackBeats, onsetEvents, onsetEnvelope, type BeatTrack, type OnsetEvent } from './tempo';
export { estimateKey, spellPitch, keyAlter, majorKeyFifths, KRUMHANSL_KESSLER, TEMPERLEY_KOSTKA_PAYNE, type KeyProfiles } from './key';
export { chooseMeter, beatAccents, beatPosition, type MeterChoice } from './meter';
export { quantiseNotes, chooseBeatGrids, snapToGrid, snapOffset, type QuantisedNote } from './quantise';
export { assignStaves, assignVoices, type VoiceEvent } from './staves';
export { writeDuration, layoutMeasures, measureBounds } from './layout';
export { NotationError } from './errors';
export * from './constants';
export type * from './model';
