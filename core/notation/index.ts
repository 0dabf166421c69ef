/**
 * Notation: performed notes → a notated score → MusicXML 4.0, compressed MusicXML, standard MIDI, JSON and mir_eval
 * note lists.
 */
export { buildScore, sanitiseNotes, tempoMarks, dynamicMarks, type BuildScoreOptions } from './score';
export { parseScoreHints, HINT_TEMPO_RANGE_BPM, type ScoreHints, type ScoreHintText } from './hints';
export { toMusicXml, MUSICXML_DOCTYPE } from './musicxml';
export { toMxl, mxlContainerXml, MXL_MIMETYPE, MXL_ROOT_FILE } from './mxl';
export { toMidi, midiTempoMap, secondsToTicks, performedOffsetSeconds, type TempoSegment, type MidiOptions } from './midi';
export { toNoteJson, toNoteListText, type NoteJson } from './notelist';
export { estimateTempo, trackBeats, onsetEvents, onsetEnvelope, type BeatTrack, type OnsetEvent, type TrackBeatsOptions } from './tempo';
export { estimateKey, fitKey, spellPitch, keyAlter, majorKeyFifths, KRUMHANSL_KESSLER, TEMPERLEY_KOSTKA_PAYNE, type KeyProfiles } from './key';
export { chooseMeter, planMetre, isCompound, beatAccents, beatPosition, type MeterChoice, type ChooseMeterOptions, type MetrePlan } from './meter';
export { quantiseNotes, chooseBeatGrids, snapToGrid, snapOffset, type QuantisedNote } from './quantise';
export { assignStaves, assignVoices, type VoiceEvent } from './staves';
export { writeDuration, layoutMeasures, measureBounds } from './layout';
export {
  loadNotationModel,
  parseNotationModelCard,
  decodeMetre,
  chooseBeatLevel,
  beatLevelCandidates,
  metreLevelCandidates,
  handLevelWeights,
  levelScore,
  LEVEL_FEATURES,
  type LevelFeature,
  type BeatLevelCandidate,
  barCandidates,
  metreBarCandidates,
  handBarWeights,
  barScore,
  downbeatTimes,
  FITTED_BAR_WEIGHTS,
  BAR_FEATURES,
  type BarFeature,
  type BarCandidate,
  divisionEvidence,
  medianOnsetInterval,
  type BeatLevel,
  DEFAULT_DECODE_METRE_OPTIONS,
  type DecodeMetreOptions,
  metreFeatures,
  metreFrameCount,
  METRE_FRAME_RATE_HZ,
  METRE_FEATURE_COUNT,
  METRE_OCTAVE_BANDS,
  METRE_BAR_BEATS,
  METRE_MODEL_IO,
  METRE_OUTPUT_CHANNELS,
  type MetreEstimate,
  type NotationModel,
  type NotationModelCard,
  type LoadNotationModelOptions,
} from './metre-model';
export {
  loadHandsModel,
  parseHandsModelCard,
  handFeatures,
  HAND_FEATURE_COUNT,
  HAND_CHORD_SECONDS,
  HAND_CONTEXT_SECONDS,
  HANDS_MODEL_IO,
  type HandsModel,
  type HandsModelCard,
} from './hands-model';
export { learnedNotation, type NotationModels } from './learned';
export { NotationError } from './errors';
export * from './constants';
export type * from './model';
