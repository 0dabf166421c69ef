import Ajv, { type JSONSchemaType } from 'ajv';
import { MODEL_INPUT_SHAPE, MODEL_IO, MODEL_OUTPUT_KEYS } from './contract';
import { ModelError } from './errors';

/** A tensor's name and shape as the card records it; the batch axis is a symbolic name such as `"batch"`. */
export interface ModelCardTensor {
  readonly name: string;
  readonly shape: readonly (number | string)[];
}

/**
 * The JSON document that travels beside every `.onnx` model (`<model>.card.json`). The runtime refuses a model whose
 * card names other DSP parameters or another interface than this engine's, so training and serving cannot drift.
 *
 * @example
 * {
 *   "cardVersion": 1,
 *   "name": "notescribe-onset-v1",
 *   "dspParametersHash": "…",                       // core/features DSP_PARAMETERS_HASH at training time
 *   "io": {
 *     "input": { "name": "windows", "shape": ["batch", 1, 13, 352] },
 *     "onsetProbability": { "name": "onset_probability", "shape": ["batch", 88] },
 *     "velocity": { "name": "velocity", "shape": ["batch", 88] }
 *   },
 *   "thresholds": { "onset": 0.5 }                   // probability at or above which a key becomes a note
 * }
 * Any other top-level fields (training data, metrics, dates) are kept and ignored by the runtime.
 */
export interface ModelCard {
  readonly cardVersion: 1;
  readonly name: string;
  readonly description?: string;
  readonly dspParametersHash: string;
  readonly io: {
    readonly input: ModelCardTensor;
    readonly onsetProbability: ModelCardTensor;
    readonly velocity: ModelCardTensor;
    /** Present when the model has the optional timing output (core/model/contract.ts). */
    readonly onsetShift?: ModelCardTensor;
  };
  readonly thresholds: { readonly onset: number };
  readonly [extra: string]: unknown;
}

const tensorSchema = {
  type: 'object',
  required: ['name', 'shape'],
  properties: {
    name: { type: 'string', minLength: 1 },
    shape: { type: 'array', items: { type: ['number', 'string'] } },
  },
} as const;

// Written out by hand rather than as JSONSchemaType<ModelCard>: ajv's type helper cannot express the index signature.
const cardSchema = {
  type: 'object',
  required: ['cardVersion', 'name', 'dspParametersHash', 'io', 'thresholds'],
  properties: {
    cardVersion: { const: 1 },
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    dspParametersHash: { type: 'string', minLength: 1 },
    io: {
      type: 'object',
      required: ['input', 'onsetProbability', 'velocity'],
      properties: { input: tensorSchema, onsetProbability: tensorSchema, velocity: tensorSchema, onsetShift: tensorSchema },
    },
    thresholds: {
      type: 'object',
      required: ['onset'],
      properties: { onset: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(cardSchema as unknown as JSONSchemaType<ModelCard>);

/** The shapes this engine expects, batch axis first (any symbolic name or -1 matches it). */
const EXPECTED_SHAPES: Readonly<Record<keyof ModelCard['io'], readonly number[]>> = {
  input: MODEL_INPUT_SHAPE,
  onsetProbability: [MODEL_OUTPUT_KEYS],
  velocity: [MODEL_OUTPUT_KEYS],
  onsetShift: [MODEL_OUTPUT_KEYS],
};
const EXPECTED_NAMES: Readonly<Record<keyof ModelCard['io'], string>> = MODEL_IO;

/** Problems with one tensor shape against the contract, as sentences; empty when it matches. */
export function shapeProblems(what: string, shape: readonly (number | string)[], expected: readonly number[]): string[] {
  const want = `[batch, ${expected.join(', ')}]`;
  if (shape.length !== expected.length + 1) return [`${what} has shape [${shape.join(', ')}], expected ${want}`];
  const problems: string[] = [];
  const batch = shape[0];
  if (typeof batch === 'number' && batch > 0) {
    problems.push(`${what} has a fixed batch size of ${batch}; export it with a dynamic batch axis`);
  }
  expected.forEach((size, i) => {
    if (shape[i + 1] !== size) problems.push(`${what} has shape [${shape.join(', ')}], expected ${want}`);
  });
  return [...new Set(problems)];
}

/**
 * Checks a parsed card (schema, then names and shapes against core/model/contract.ts) and returns it typed.
 * Every problem is collected before one `ModelError` (`MODEL_LOAD_FAILED` for a malformed card, `MODEL_MISMATCH`
 * for a well-formed card describing another interface) is thrown.
 */
export function validateModelCard(value: unknown): ModelCard {
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    throw new ModelError('MODEL_LOAD_FAILED', `Invalid model card: ${problems.join('; ')}`, { context: { problems } });
  }
  const card = value as ModelCard;
  const problems: string[] = [];
  for (const key of Object.keys(EXPECTED_NAMES) as (keyof ModelCard['io'])[]) {
    const tensor = card.io[key];
    if (tensor === undefined) continue; // only optional outputs can be absent: the schema requires the rest
    if (tensor.name !== EXPECTED_NAMES[key]) {
      problems.push(`card io.${key} is named "${tensor.name}", the engine expects "${EXPECTED_NAMES[key]}"`);
    }
    problems.push(...shapeProblems(`card io.${key}`, tensor.shape, EXPECTED_SHAPES[key]));
  }
  if (problems.length > 0) {
    throw new ModelError('MODEL_MISMATCH', `Model card does not match the engine's model contract: ${problems.join('; ')}`, {
      context: { problems },
    });
  }
  return card;
}

/** Parses and validates a card from its JSON bytes or text. */
export function parseModelCard(json: Uint8Array | string): ModelCard {
  const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ModelError('MODEL_LOAD_FAILED', `Model card is not JSON: ${(cause as Error).message}`, { cause });
  }
  return validateModelCard(value);
}
