import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { NotescribeError } from '../core/errors';
import { CONTRACT_SCHEMAS } from './schemas';

/**
 * One Ajv instance holding every contract schema, so one schema can `$ref` another by its `$id` (the outcome message
 * takes its `notify` object from the job message) instead of restating it.
 */
const ajv = new Ajv({ allErrors: true, strict: true });
for (const { schema } of CONTRACT_SCHEMAS) ajv.addSchema(schema);

/** The compiled validator of a schema added above, by its `$id`. */
export function validatorFor<T>(schema: { $id: string }): ValidateFunction<T> {
  const validate = ajv.getSchema<T>(schema.$id);
  if (!validate) throw new Error(`contract schema ${schema.$id} is not registered in contract/validator.ts`);
  return validate;
}

function describe(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '(message)'} ${e.message ?? 'is invalid'}`.trim());
}

/**
 * Checks a value against a schema and returns it typed.
 * @throws NotescribeError `INVALID_MESSAGE` listing every problem found (not just the first).
 */
export function validateAgainst<T>(validate: ValidateFunction<T>, what: string, value: unknown): T {
  if (validate(value)) return value;
  const problems = describe(validate.errors);
  throw new NotescribeError('INVALID_MESSAGE', `invalid ${what}: ${problems.join('; ')}`, { context: { problems } });
}

/**
 * Parses JSON and validates it.
 * @throws NotescribeError `INVALID_MESSAGE` for malformed JSON or a schema violation.
 */
export function parseAgainst<T>(validate: ValidateFunction<T>, what: string, body: string): T {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new NotescribeError('INVALID_MESSAGE', `${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return validateAgainst(validate, what, value);
}
