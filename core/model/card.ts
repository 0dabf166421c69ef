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

/** The JSON Schema of a card's tensor entry, for every card schema. */
export const CARD_TENSOR_SCHEMA = tensorSchema;

/**
 * A checker for one kind of card: the value must satisfy `schema` (else `MODEL_LOAD_FAILED` listing every problem,
 * prefixed by `what`), and is then returned typed. The schemas are written out by hand rather than as
 * JSONSchemaType<Card>: ajv's type helper cannot express the cards' index signature (extra fields are kept).
 */
export function cardSchemaChecker<Card>(schema: object, what: string): (value: unknown) => Card {
  const validate = ajv.compile(schema as unknown as JSONSchemaType<Card>);
  return (value) => {
    if (!validate(value)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
      throw new ModelError('MODEL_LOAD_FAILED', `Invalid ${what}: ${problems.join('; ')}`, { context: { problems } });
    }
    return value as Card;
  };
}

/** Parses a card's JSON bytes or text (`MODEL_LOAD_FAILED` naming `what` when it is not JSON). */
export function parseCardJson(json: Uint8Array | string, what: string): unknown {
  const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ModelError('MODEL_LOAD_FAILED', `${what} is not JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Each tensor a card lists against the names and shapes the engine expects, as sentences (empty when all match).
 * Tensors the card leaves out are skipped: its schema decides which are required.
 */
export function cardTensorProblems<Key extends string>(
  io: Readonly<Partial<Record<Key, ModelCardTensor>>>,
  expected: Readonly<Record<Key, { readonly name: string; readonly shape: readonly number[] }>>,
): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(expected) as Key[]) {
    const tensor = io[key];
    if (tensor === undefined) continue;
    const want = expected[key];
    if (tensor.name !== want.name) problems.push(`card io.${key} is named "${tensor.name}", the engine expects "${want.name}"`);
    problems.push(...shapeProblems(`card io.${key}`, tensor.shape, want.shape));
  }
  return problems;
}

const checkCardSchema = cardSchemaChecker<ModelCard>(cardSchema, 'model card');

/** The names and shapes this engine expects, batch axis left out (any symbolic name or -1 matches it). */
const EXPECTED_TENSORS: Readonly<Record<keyof ModelCard['io'], { name: string; shape: readonly number[] }>> = {
  input: { name: MODEL_IO.input, shape: MODEL_INPUT_SHAPE },
  onsetProbability: { name: MODEL_IO.onsetProbability, shape: [MODEL_OUTPUT_KEYS] },
  velocity: { name: MODEL_IO.velocity, shape: [MODEL_OUTPUT_KEYS] },
  onsetShift: { name: MODEL_IO.onsetShift, shape: [MODEL_OUTPUT_KEYS] },
};

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
  const card = checkCardSchema(value);
  const problems = cardTensorProblems(card.io, EXPECTED_TENSORS);
  if (problems.length > 0) {
    throw new ModelError('MODEL_MISMATCH', `Model card does not match the engine's model contract: ${problems.join('; ')}`, {
      context: { problems },
    });
  }
  return card;
}

/** Parses and validates a card from its JSON bytes or text. */
export function parseModelCard(json: Uint8Array | string): ModelCard {
  return validateModelCard(parseCardJson(json, 'Model card'));
}
