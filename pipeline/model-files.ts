import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NotescribeError } from '../core/errors';

/**
 * Where a model's files lie on disk, for the deployables that load models from files (the CLI, the worker, the
 * scripts): core/model loads from bytes and knows no paths.
 */

/** The card that belongs to a model file: `x.onnx` → `x.card.json`. */
export function cardPathFor(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.card.json';
}

/** A model's bytes and its card, as read from disk (core/model and core/notation load them from these). */
export interface ModelFiles {
  readonly path: string;
  readonly onnxBytes: Uint8Array;
  readonly cardJson: Uint8Array;
}

/** A release model's files (core/model `loadReleaseModel` takes them). */
export type ReleaseModelFiles = ModelFiles;

/**
 * Reads `path` and its card, both of which must exist.
 * @param missing the message for a missing file (NotescribeError `MODEL_LOAD_FAILED`, the file in its context)
 */
async function readModelAndCard(path: string, missing: (file: string) => string): Promise<ModelFiles> {
  const cardPath = cardPathFor(path);
  for (const file of [path, cardPath]) {
    if (!existsSync(file)) throw new NotescribeError('MODEL_LOAD_FAILED', missing(file), { context: { path: file } });
  }
  const [onnxBytes, cardJson] = await Promise.all([readFile(path), readFile(cardPath)]);
  return { path, onnxBytes: new Uint8Array(onnxBytes), cardJson: new Uint8Array(cardJson) };
}

/**
 * The release model an onset model's card names (`"releaseModel": "notescribe-release-v1.onnx"`, a file beside the
 * onset model), read with its card; undefined when the card names none (notes then end where their keys decay).
 * @param card the onset model's card, parsed or as read (only `releaseModel` is looked at)
 * @throws NotescribeError `MODEL_LOAD_FAILED` when the named file or its card is missing
 */
export async function readReleaseModelFiles(
  onsetModelPath: string,
  card: Readonly<Record<string, unknown>>,
): Promise<ReleaseModelFiles | undefined> {
  const name = card['releaseModel'];
  if (typeof name !== 'string' || name.length === 0) return undefined;
  return readModelAndCard(
    join(dirname(onsetModelPath), name),
    (file) => `Release model file not found: ${file} (named by ${cardPathFor(onsetModelPath)})`,
  );
}

/**
 * The notation models' file names (without `.onnx`): beats and metre (core/notation `loadNotationModel`) and the
 * staff of each note (`loadHandsModel`). The CLI looks for them in the package's models/, the worker beside its onset
 * model; where one is missing the score falls back to the rules for that part.
 */
export const NOTATION_MODEL_NAMES = { metre: 'notescribe-notation-v1', hands: 'notescribe-notation-hands-v1' } as const;

/** The notation models found in `dir`, read with their cards; a model whose `.onnx` is absent is left out. */
export interface NotationModelFiles {
  readonly metre?: ModelFiles;
  readonly hands?: ModelFiles;
}

/**
 * Reads the notation models that lie in `dir` (NOTATION_MODEL_NAMES).
 * @throws NotescribeError `MODEL_LOAD_FAILED` when a model is there without its card
 */
export async function readNotationModelFiles(dir: string): Promise<NotationModelFiles> {
  const read = async (name: string): Promise<ModelFiles | undefined> => {
    const path = join(dir, `${name}.onnx`);
    return existsSync(path) ? readModelAndCard(path, (file) => `Notation model card not found: ${file} (beside ${path})`) : undefined;
  };
  const [metre, hands] = await Promise.all([read(NOTATION_MODEL_NAMES.metre), read(NOTATION_MODEL_NAMES.hands)]);
  return { ...(metre === undefined ? {} : { metre }), ...(hands === undefined ? {} : { hands }) };
}
