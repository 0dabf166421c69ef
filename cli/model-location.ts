import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NotescribeError } from '../core/errors';
import { cardPathFor, NOTATION_MODEL_NAMES, readReleaseModelFiles } from '../pipeline/model-files';
import {
  loadOnsetModel,
  loadReleaseModel,
  parseModelCard,
  parseReleaseModelCard,
  type LoadOnsetModelOptions,
  type ModelCard,
  type OnsetModel,
  type ReleaseModel,
} from '../core/model';
import {
  loadHandsModel,
  loadNotationModel,
  parseHandsModelCard,
  parseNotationModelCard,
  type HandsModel,
  type LoadNotationModelOptions,
  type NotationModel,
} from '../core/notation';

/** The model `transcribe` and `npm start` use unless told otherwise: models/<name>.onnx beside its .card.json. */
export const DEFAULT_MODEL_NAME = 'notescribe-onset-v2';

/** The package root (the folder with notescribe's package.json), found upwards from this file so it works from any cwd. */
export function packageRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'notescribe') return dir;
      } catch {
        // An unreadable package.json is not ours; keep looking upwards.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return resolve(from, '..');
    dir = parent;
  }
}

/** Absolute path of the default model, `<package root>/models/notescribe-onset-v2.onnx`. */
export function defaultModelPath(): string {
  return join(packageRoot(), 'models', `${DEFAULT_MODEL_NAME}.onnx`);
}

export { cardPathFor };

/** Whether a model and its card are both present. */
export function modelAvailable(modelPath: string = defaultModelPath()): boolean {
  return existsSync(modelPath) && existsSync(cardPathFor(modelPath));
}

/**
 * Reads a model and its card from disk and loads it (core/model `loadOnsetModel`).
 * @throws NotescribeError `MODEL_LOAD_FAILED` naming the missing file, or whatever loading refuses
 */
export async function loadModelFile(
  modelPath: string = defaultModelPath(),
  options: LoadOnsetModelOptions = {},
): Promise<OnsetModel> {
  const cardPath = cardPathFor(modelPath);
  for (const path of [modelPath, cardPath]) {
    if (!existsSync(path)) {
      throw new NotescribeError(
        'MODEL_LOAD_FAILED',
        `Model file not found: ${path}` +
          (modelPath === defaultModelPath() ? ' (the trained model goes in models/; or pass --model PATH)' : ''),
        { context: { path } },
      );
    }
  }
  const card = parseModelCard(readFileSync(cardPath));
  return loadOnsetModel(new Uint8Array(readFileSync(modelPath)), card, options);
}

/**
 * The release model an onset model's card names (`"releaseModel": "notescribe-release-v1.onnx"`, a file beside
 * it), loaded; undefined when the card names none (notes then end where their keys decay).
 * @throws NotescribeError `MODEL_LOAD_FAILED` when the named file or its card is missing
 */
export async function loadReleaseModelFor(
  modelPath: string,
  card: ModelCard,
  options: Pick<LoadOnsetModelOptions, 'intraOpNumThreads'> = {},
): Promise<ReleaseModel | undefined> {
  const files = await readReleaseModelFiles(modelPath, card);
  return files && loadReleaseModel(files.onnxBytes, parseReleaseModelCard(files.cardJson), options);
}

/** The notation model (beats and metre of the score, core/notation `loadNotationModel`) the CLI and the eval use. */
export const DEFAULT_NOTATION_MODEL_NAME = NOTATION_MODEL_NAMES.metre;

/** Absolute path of the default notation model, `<package root>/models/notescribe-notation-v1.onnx`. */
export function defaultNotationModelPath(): string {
  return join(packageRoot(), 'models', `${DEFAULT_NOTATION_MODEL_NAME}.onnx`);
}

/**
 * Reads a notation model and its card (`x.onnx` beside `x.card.json`) and loads it.
 * @throws NotescribeError `MODEL_LOAD_FAILED` naming the missing file, or whatever loading refuses
 */
export async function loadNotationModelFile(
  modelPath: string = defaultNotationModelPath(),
  options: LoadNotationModelOptions = {},
): Promise<NotationModel> {
  const cardPath = cardPathFor(modelPath);
  for (const path of [modelPath, cardPath]) {
    if (!existsSync(path)) throw new NotescribeError('MODEL_LOAD_FAILED', `Notation model file not found: ${path}`, { context: { path } });
  }
  return loadNotationModel(new Uint8Array(readFileSync(modelPath)), parseNotationModelCard(readFileSync(cardPath)), options);
}

/** The hands model (the staff of each note, core/notation `loadHandsModel`) the CLI and the eval use. */
export const DEFAULT_HANDS_MODEL_NAME = NOTATION_MODEL_NAMES.hands;

/** Absolute path of the default hands model, `<package root>/models/notescribe-notation-hands-v1.onnx`. */
export function defaultHandsModelPath(): string {
  return join(packageRoot(), 'models', `${DEFAULT_HANDS_MODEL_NAME}.onnx`);
}

/**
 * Reads a hands model and its card and loads it.
 * @throws NotescribeError `MODEL_LOAD_FAILED` naming the missing file, or whatever loading refuses
 */
export async function loadHandsModelFile(modelPath: string = defaultHandsModelPath(), options: { intraOpNumThreads?: number } = {}): Promise<HandsModel> {
  const cardPath = cardPathFor(modelPath);
  for (const path of [modelPath, cardPath]) {
    if (!existsSync(path)) throw new NotescribeError('MODEL_LOAD_FAILED', `Hands model file not found: ${path}`, { context: { path } });
  }
  return loadHandsModel(new Uint8Array(readFileSync(modelPath)), parseHandsModelCard(readFileSync(cardPath)), options);
}
