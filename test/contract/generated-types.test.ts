import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { contractTypesOf, generatedContractFiles, moduleNameOf } from '../../scripts/contract-types';

describe('contract/generated (types from the JSON schemas)', () => {
  it.each([...generatedContractFiles()].map(([path, text]) => [relative(process.cwd(), path), path, text]))(
    '%s is what scripts/contract-types.ts writes from its schema (run `npm run generate:contract`)',
    (_name, path, text) => {
      expect(readFileSync(path, 'utf8')).toBe(text);
    },
  );
});

describe('contractTypesOf', () => {
  const schemaOf = (body: object, name = 'thing') => ({
    typeName: 'Thing',
    schema: { $id: `https://notescribe.dev/schema/${name}/v1.json`, ...body },
  });

  it('marks properties optional unless required, and turns const, enum and integer into their types', () => {
    const text = contractTypesOf(
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

  it('imports a definition another contract schema owns', () => {
    const other = schemaOf({ definitions: { Part: { type: 'string' } } }, 'other');
    const mine = schemaOf({ type: 'object', properties: { part: { $ref: '../other/v1.json#/definitions/Part' } } });
    const text = contractTypesOf(mine, [mine, other]);
    expect(text).toContain("import type { Part } from './other';");
    expect(text).toContain('readonly part?: Part;');
  });

  it.each([
    ['a keyword that would change the type', { type: 'object', properties: { x: { anyOf: [{ type: 'string' }] } } }, /anyOf/],
    ['a type list', { type: 'object', properties: { x: { type: ['string', 'null'] } } }, /type \["string","null"\]/],
    ['a required field without a schema', { type: 'object', required: ['x'], properties: {} }, /required "x"/],
    ['a $ref outside definitions', { type: 'object', properties: { x: { $ref: '#/properties/y' } } }, /definitions/],
  ])('refuses %s rather than write a wrong type', (_what, body, message) => {
    expect(() => contractTypesOf(schemaOf(body))).toThrow(message);
  });

  it('names the module from the schema $id', () => {
    expect(moduleNameOf('https://notescribe.dev/schema/job-message/v1.json')).toBe('job-message');
    expect(() => moduleNameOf('https://example.com/x.json')).toThrow(/not of the form/);
  });
});
