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

/** A release model's bytes and its card, as read from disk (core/model `loadReleaseModel` takes them). */
export interface ReleaseModelFiles {
  readonly path: string;
  readonly onnxBytes: Uint8Array;
  readonly cardJson: Uint8Array;
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
  const path = join(dirname(onsetModelPath), name);
  const releaseCardPath = cardPathFor(path);
  for (const file of [path, releaseCardPath]) {
    if (!existsSync(file)) {
      throw new NotescribeError('MODEL_LOAD_FAILED', `Release model file not found: ${file} (named by ${cardPathFor(onsetModelPath)})`, {
        context: { path: file },
      });
    }
  }
  const [onnxBytes, cardJson] = await Promise.all([readFile(path), readFile(releaseCardPath)]);
  return { path, onnxBytes: new Uint8Array(onnxBytes), cardJson: new Uint8Array(cardJson) };
}

/**
 * The notation models' file names (without `.onnx`): beats and metre (core/notation `loadNotationModel`) and the
 * staff of each note (`loadHandsModel`). The CLI looks for them in the package's models/, the worker beside its onset
 * model; where one is missing the score falls back to the rules for that part.
 */
export const NOTATION_MODEL_NAMES = { metre: 'notescribe-notation-v1', hands: 'notescribe-notation-hands-v1' } as const;

/** A model's bytes and its card, as read from disk. */
export type ModelFiles = ReleaseModelFiles;

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
    if (!existsSync(path)) return undefined;
    const cardPath = cardPathFor(path);
    if (!existsSync(cardPath)) {
      throw new NotescribeError('MODEL_LOAD_FAILED', `Notation model card not found: ${cardPath} (beside ${path})`, { context: { path: cardPath } });
    }
    const [onnxBytes, cardJson] = await Promise.all([readFile(path), readFile(cardPath)]);
    return { path, onnxBytes: new Uint8Array(onnxBytes), cardJson: new Uint8Array(cardJson) };
  };
  const [metre, hands] = await Promise.all([read(NOTATION_MODEL_NAMES.metre), read(NOTATION_MODEL_NAMES.hands)]);
  return { ...(metre === undefined ? {} : { metre }), ...(hands === undefined ? {} : { hands }) };
}
