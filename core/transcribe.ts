/**
 * The one transcription path: audio bytes → analysis (decode, spectrogram, onsets) → windows → the onset model →
 * notes → notation → the requested output files. The CLI, `npm run eval` and `npm start` call `transcribe`; the GPU
 * worker, which runs the model once over the windows of many jobs, calls its two halves around its own inference:
 * `prepareWindows` (analysis → windows) and `finishTranscription` (predictions → notes → outputs). One path either way.
 */
import { analyseAudio, type AudioAnalysis } from './analyse';
import { NotescribeError } from './errors';
import type { ModelCard, OnsetModel, OnsetPrediction, ReleaseModel } from './model';
import { buildScore, toMidi, toMusicXml, toMxl, toNoteJson, toNoteListText, learnedNotation, type MetreEstimate, type NotationModels, type ScoreHints } from './notation';
import { assembleNotes, endNotesByRelease, type NoteAssemblyOptions } from './notes';
import { extractWindows } from './onsets';
import type { EvalNote } from './metrics';
import { DEFAULT_OUTPUT_FORMATS, type OutputFormat } from './output-formats';
import { renderPicture, timeGridOf } from './picture';
import type { Note, Spectrogram } from './types';

export {
  DEFAULT_OUTPUT_FORMATS,
  OUTPUT_FILE_SUFFIX,
  OUTPUT_FORMATS,
  OUTPUT_MEDIA_TYPE,
  parseOutputFormats,
  type OutputFormat,
} from './output-formats';

export type TranscribeStage = 'analyse' | 'predict' | 'notes' | 'render';

/** A progress report: which stage runs and how far the whole transcription is (0…1, never decreasing). */
export interface TranscribeProgress {
  readonly stage: TranscribeStage;
  readonly fraction: number;
}

export interface TranscribeOptions {
  /** The loaded onset model (core/model `loadOnsetModel`). */
  readonly model: OnsetModel;
  /** The release model (core/model `loadReleaseModel`): note ends at key releases. Without it, ends follow each key's decay. */
  readonly releaseModel?: ReleaseModel;
  /** The notation models (core/notation `loadNotationModel`, `loadHandsModel`): beats, metre and staves. @default the rules */
  readonly notationModels?: NotationModels;
  /** Title written into the score when `hints.title` gives none. @default 'Transcription' */
  readonly title?: string;
  /** Tempo, time signature and key the user knows (forced in the score), title and composer (core/notation). */
  readonly hints?: ScoreHints;
  /** @default DEFAULT_OUTPUT_FORMATS */
  readonly formats?: readonly OutputFormat[];
  /** Windows per model call. @default core/model DEFAULT_BATCH_SIZE */
  readonly batchSize?: number;
  readonly onProgress?: (progress: TranscribeProgress) => void;
  /** Refuse audio longer than this (AUDIO_TOO_LONG). @default core/params DEFAULT_MAX_AUDIO_SECONDS */
  readonly maxSeconds?: number;
  /** Refuse inputs larger than this many bytes (INPUT_TOO_LARGE). @default core/params DEFAULT_MAX_INPUT_BYTES */
  readonly maxBytes?: number;
  /** Tuning of note durations and merging; see core/notes. */
  readonly noteOptions?: NoteAssemblyOptions;
  /** Onset probability at or above which a key becomes a note, 0…1. @default the model card's `thresholds.onset` */
  readonly onsetThreshold?: number;
  /** Keeps only the notes it accepts (a pitch range, a minimum length), before any output is written. @default all */
  readonly keepNote?: (note: Note) => boolean;
  /** Reference notes the `png` picture compares the notes with (hits, misses, false notes). */
  readonly reference?: readonly EvalNote[];
}

/** Milliseconds spent in each stage; `outputs` per format. */
export interface TranscriptionTimings {
  readonly analyseMs: number;
  readonly windowsMs: number;
  readonly predictMs: number;
  readonly notesMs: number;
  /** Building the score (tempo, metre, measures), shared by the notation formats. */
  readonly scoreMs: number;
  readonly outputsMs: Readonly<Partial<Record<OutputFormat, number>>>;
  readonly totalMs: number;
}

export interface TranscriptionResult {
  readonly notes: Note[];
  /** The requested files' bytes (text formats as UTF-8). */
  readonly outputs: Readonly<Partial<Record<OutputFormat, Uint8Array>>>;
  readonly analysis: AudioAnalysis;
  readonly onsetCount: number;
  readonly timings: TranscriptionTimings;
}

export interface RenderOutputsOptions {
  /** Title when `hints.title` gives none. @default 'Transcription' */
  readonly title?: string;
  /** Forced tempo, time signature and key; title and composer (core/notation `ScoreHints`). */
  readonly hints?: ScoreHints;
  /** @default DEFAULT_OUTPUT_FORMATS */
  readonly formats?: readonly OutputFormat[];
  /** Beats and metre from the notation model (core/notation `learnedNotation`). @default the rules */
  readonly metre?: MetreEstimate;
  /** Left-hand probability of each note (core/notation `learnedNotation`). @default the rules */
  readonly leftHand?: ArrayLike<number>;
  /** Drawn under the notes in `png`; without it the picture is a piano roll on black. */
  readonly spectrogram?: Spectrogram;
  /** Reference notes for `png`: notes drawn as hits and false notes, unmatched references as misses. */
  readonly reference?: readonly EvalNote[];
}

export interface RenderedOutputs {
  readonly outputs: Readonly<Partial<Record<OutputFormat, Uint8Array>>>;
  readonly scoreMs: number;
  readonly outputsMs: Readonly<Partial<Record<OutputFormat, number>>>;
}

const now = (): number => performance.now();
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * Transcribes one piece of audio.
 *
 * @param bytes an audio file (any format core/audio decodes)
 * @example
 * const model = await loadOnsetModel(onnx, card);
 * const { outputs, notes } = await transcribe(wavBytes, { model, title: 'Étude', formats: ['musicxml', 'midi'] });
 */
export async function transcribe(bytes: Uint8Array, options: TranscribeOptions): Promise<TranscriptionResult> {
  const report = options.onProgress ?? (() => undefined);
  const start = now();
  report({ stage: 'analyse', fraction: 0 });
  const analysis = await analyseAudio(bytes, {
    ...(options.maxSeconds === undefined ? {} : { maxSeconds: options.maxSeconds }),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    onProgress: (fraction: number) => report({ stage: 'analyse', fraction: 0.6 * clamp01(fraction) }),
  });
  const analysed = now();

  const prepared = prepareWindows(analysis);
  const windowed = now();
  report({ stage: 'predict', fraction: 0.6 });
  const prediction = await options.model.predict(prepared.windows, prepared.count, {
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
  });
  const predicted = now();

  report({ stage: 'notes', fraction: 0.9 });
  const finished = await finishTranscription(prepared, prediction, {
    thresholds: options.onsetThreshold === undefined ? options.model.card.thresholds : { onset: options.onsetThreshold },
    ...(options.noteOptions === undefined ? {} : { noteOptions: options.noteOptions }),
    ...(options.releaseModel === undefined ? {} : { releaseModel: options.releaseModel }),
    ...(options.notationModels === undefined ? {} : { notationModels: options.notationModels }),
    ...(options.keepNote === undefined ? {} : { keepNote: options.keepNote }),
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.hints === undefined ? {} : { hints: options.hints }),
    ...(options.formats === undefined ? {} : { formats: options.formats }),
    ...(options.reference === undefined ? {} : { reference: options.reference }),
    onRender: () => report({ stage: 'render', fraction: 0.95 }),
  });
  const { notes, rendered } = finished;
  report({ stage: 'render', fraction: 1 });
  return {
    notes,
    outputs: rendered.outputs,
    analysis,
    onsetCount: prepared.count,
    timings: {
      analyseMs: analysed - start,
      windowsMs: windowed - analysed,
      predictMs: predicted - windowed,
      notesMs: finished.notesMs,
      scoreMs: rendered.scoreMs,
      outputsMs: rendered.outputsMs,
      totalMs: now() - start,
    },
  };
}

/** One piece cut into classifier windows: the first half of a transcription, before the model runs. */
export interface PreparedWindows {
  readonly spectrogram: Spectrogram;
  readonly onsetFrames: Int32Array;
  /** `[count][WINDOW_FRAME_COUNT][BIN_COUNT]`, the model's input. */
  readonly windows: Float32Array;
  /** Windows (= onsets). */
  readonly count: number;
}

/** Cuts the windows around each onset of an analysis (or of a decoded feature file: same fields). */
export function prepareWindows(analysis: Pick<AudioAnalysis, 'spectrogram' | 'onsetFrames'>): PreparedWindows {
  const { spectrogram, onsetFrames } = analysis;
  return { spectrogram, onsetFrames, windows: extractWindows(spectrogram, onsetFrames), count: onsetFrames.length };
}

export interface FinishOptions extends Omit<RenderOutputsOptions, 'spectrogram'> {
  /** Decision thresholds: the model card's (`model.card.thresholds`) or an override. */
  readonly thresholds: Pick<ModelCard['thresholds'], 'onset'>;
  /** Tuning of note durations and merging; see core/notes. */
  readonly noteOptions?: NoteAssemblyOptions;
  /** Note ends at key releases (core/model `loadReleaseModel`); without it, ends follow each key's decay. */
  readonly releaseModel?: ReleaseModel;
  /** Beats, metre and staves of the score from the notes (core/notation `NotationModels`). @default the rules */
  readonly notationModels?: NotationModels;
  /** Keeps only the notes it accepts, after they are ended. @default all */
  readonly keepNote?: (note: Note) => boolean;
  /** Called once the notes are final, before rendering (progress). */
  readonly onRender?: () => void;
}

/**
 * The second half of a transcription: the model's predictions for a piece's windows → notes → outputs. The whole
 * prediction object is handed to note assembly, so an output a newer model adds (v2's `onsetShiftSeconds`) arrives
 * there without a change here or in the worker.
 */
export async function finishTranscription(
  prepared: Pick<PreparedWindows, 'spectrogram' | 'onsetFrames'>,
  prediction: OnsetPrediction,
  options: FinishOptions,
): Promise<{ notes: Note[]; rendered: RenderedOutputs; notesMs: number }> {
  const began = now();
  const { spectrogram, onsetFrames } = prepared;
  const assembledNotes = assembleNotes({
    ...prediction,
    spectrogram,
    onsetFrames,
    thresholds: options.thresholds,
    ...(options.noteOptions === undefined ? {} : { options: options.noteOptions }),
  });
  const minDuration = options.noteOptions?.minDurationSeconds;
  const endedNotes =
    options.releaseModel === undefined
      ? assembledNotes
      : await endNotesByRelease(assembledNotes, spectrogram, options.releaseModel, {
          ...(minDuration === undefined ? {} : { minDurationSeconds: minDuration }),
        });
  // Filtered last, so a minimum length applies to the notes as they end.
  const notes = options.keepNote === undefined ? endedNotes : endedNotes.filter(options.keepNote);
  const notesMs = now() - began;
  options.onRender?.();
  const learned = options.notationModels === undefined ? {} : await learnedNotation(notes, options.notationModels);
  const rendered = renderOutputs(notes, {
    ...learned,
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.hints === undefined ? {} : { hints: options.hints }),
    ...(options.formats === undefined ? {} : { formats: options.formats }),
    ...(options.reference === undefined ? {} : { reference: options.reference }),
    spectrogram,
  });
  return { notes, rendered, notesMs };
}

/**
 * Writes notes in the requested formats. The score is built once and shared by `musicxml`, `mxl` and `midi`.
 */
export function renderOutputs(notes: readonly Note[], options: RenderOutputsOptions = {}): RenderedOutputs {
  const formats = options.formats ?? DEFAULT_OUTPUT_FORMATS;
  // The picture draws the score's bar and beat lines, so it needs the score too.
  const needsScore = formats.some((f) => f === 'musicxml' || f === 'mxl' || f === 'midi' || f === 'png');
  const scoreStart = now();
  const score = needsScore ? buildScore(notes, {
        title: options.title ?? 'Transcription',
        ...(options.hints === undefined ? {} : { hints: options.hints }),
        ...(options.metre === undefined ? {} : { metre: options.metre }),
        ...(options.leftHand === undefined ? {} : { leftHand: options.leftHand }),
      }) : undefined;
  const scoreMs = now() - scoreStart;
  const outputs: Partial<Record<OutputFormat, Uint8Array>> = {};
  const outputsMs: Partial<Record<OutputFormat, number>> = {};
  for (const format of new Set(formats)) {
    const began = now();
    outputs[format] = renderOne(format, notes, score, options);
    outputsMs[format] = now() - began;
  }
  return { outputs, scoreMs, outputsMs };
}

function renderOne(
  format: OutputFormat,
  notes: readonly Note[],
  score: ReturnType<typeof buildScore> | undefined,
  { spectrogram, reference }: RenderOutputsOptions,
): Uint8Array {
  switch (format) {
    case 'musicxml':
      return utf8(toMusicXml(required(score)));
    case 'mxl':
      return toMxl(required(score));
    case 'midi':
      return toMidi(required(score));
    case 'json':
      return utf8(toNoteJson(notes));
    case 'notes':
      return utf8(toNoteListText(notes));
    case 'png':
      return renderPicture({
        notes,
        grid: timeGridOf(required(score)),
        ...(spectrogram === undefined ? {} : { spectrogram }),
        ...(reference === undefined ? {} : { reference }),
      });
  }
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new NotescribeError('INTERNAL', 'renderOutputs: the score was not built');
  return value;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
}
