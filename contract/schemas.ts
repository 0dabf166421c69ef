import jobMessageSchema from './job-message.schema.json';
import outcomeMessageSchema from './outcome-message.schema.json';
import statusRecordSchema from './status-record.schema.json';

/** A contract schema and the name of the TypeScript type generated from it (contract/generated/). */
export interface ContractSchema {
  readonly typeName: string;
  readonly schema: { readonly $id: string };
}

/**
 * Every contract schema, once: contract/validator.ts registers them with Ajv, scripts/contract-types.ts writes their
 * types.
 */
export const CONTRACT_SCHEMAS: readonly ContractSchema[] = [
  { typeName: 'JobMessage', schema: jobMessageSchema },
  { typeName: 'OutcomeMessage', schema: outcomeMessageSchema },
  { typeName: 'StatusRecord', schema: statusRecordSchema },
];
