import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { CONTRACT_SCHEMAS } from '../../contract/schemas';
import { contractTypesOf, generatedPathOf, moduleNameOf } from '../../scripts/contract-types';

// json-schema-to-typescript formats with prettier, whose Node entry loads its core with import(): jest's CommonJS
// runtime refuses that without --experimental-vm-modules. The standalone build is the same formatter, handed its
// TypeScript parser explicitly, so what the tests compare is what `npm run generate:contract` writes.
jest.mock('prettier', () => {
  const { format } = jest.requireActual<typeof import('prettier/standalone')>('prettier/standalone');
  const plugins = [jest.requireActual('prettier/plugins/typescript'), jest.requireActual('prettier/plugins/estree')];
  return { format: (code: string, options: object) => format(code, { ...options, plugins }) };
});

describe('contract/generated (types from the JSON schemas)', () => {
  it.each(CONTRACT_SCHEMAS.map((schema) => [relative(process.cwd(), generatedPathOf(schema)), schema] as const))(
    '%s is what scripts/contract-types.ts writes from its schema (run `npm run generate:contract`)',
    async (_name, schema) => {
      expect(readFileSync(generatedPathOf(schema), 'utf8')).toBe(await contractTypesOf(schema));
    },
  );
});

describe('contractTypesOf', () => {
  const schemaOf = (body: object, name = 'thing', typeName = 'Thing') => ({
    typeName,
    schema: { $id: `https://notescribe.dev/schema/${name}/v1.json`, ...body },
  });

  it('names the root as CONTRACT_SCHEMAS does, not by its title', async () => {
    const text = await contractTypesOf(schemaOf({ title: 'a thing, version 1', type: 'object', properties: {} }));
    expect(text).toContain('export interface Thing {');
  });

  it('marks properties readonly, and optional unless required, and turns const, enum and integer into their types', async () => {
    const text = await contractTypesOf(
      schemaOf({
        type: 'object',
        required: ['version', 'count'],
        properties: {
          version: { const: 2 },
          count: { type: 'integer', minimum: 0 },
          colour: { enum: ['red', 'blue'] },
        },
      }),
    );
    expect(text).toContain('readonly version: 2;');
    expect(text).toContain('readonly count: number;');
    expect(text).toContain("readonly colour?: 'red' | 'blue';");
  });

  it('closes an object that does not allow other properties explicitly, and opens one that does', async () => {
    const text = await contractTypesOf(
      schemaOf({
        type: 'object',
        properties: { closed: { type: 'object', properties: { a: { type: 'string' } } }, open: { type: 'object', additionalProperties: true } },
      }),
    );
    expect(text).toMatch(/readonly closed\?: \{\s*readonly a\?: string;\s*\};/);
    expect(text).toMatch(/readonly open\?: \{\s*readonly \[k: string\]: unknown;\s*\};/);
  });

  it('imports a definition another contract schema owns instead of declaring it again', async () => {
    const other = schemaOf({ definitions: { Part: { type: 'object', properties: { n: { type: 'number' } } } } }, 'other', 'Other');
    const mine = schemaOf({ type: 'object', properties: { part: { $ref: '../other/v1.json#/definitions/Part' } } });
    const text = await contractTypesOf(mine, [mine, other]);
    expect(text).toContain("import type { Part } from './other';");
    expect(text).toContain('readonly part?: Part;');
    expect(text).not.toContain('interface Part');
  });

  it('declares its own definitions, referenced or not', async () => {
    const text = await contractTypesOf(
      schemaOf({
        type: 'object',
        properties: { state: { $ref: '#/definitions/State' } },
        definitions: { State: { enum: ['on', 'off'] }, Unused: { type: 'string' } },
      }),
    );
    expect(text).toContain("export type State = 'on' | 'off';");
    expect(text).toContain('readonly state?: State;');
    expect(text).toContain('export type Unused = string;');
  });

  it('refuses a $ref to a schema that is not a contract schema rather than fetch it', async () => {
    const mine = schemaOf({ type: 'object', properties: { x: { $ref: 'https://example.com/x.json#/definitions/X' } } });
    await expect(contractTypesOf(mine, [mine])).rejects.toThrow(/example\.com\/x\.json#\/definitions\/X is not to a contract schema/);
  });

  it('refuses a $ref that does not name a definition, whose type it could not import by name', async () => {
    await expect(contractTypesOf(schemaOf({ type: 'object', properties: { x: { $ref: '#/properties/y' } } }))).rejects.toThrow(
      /definitions/,
    );
  });

  it('names the module from the schema $id', () => {
    expect(moduleNameOf('https://notescribe.dev/schema/job-message/v1.json')).toBe('job-message');
    expect(() => moduleNameOf('https://example.com/x.json')).toThrow(/not of the form/);
  });
});
