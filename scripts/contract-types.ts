/**
 * Writes the TypeScript types of the contract (contract/generated/*.ts) from its JSON schemas, so a type cannot say
 * something its schema does not. `npm run generate:contract` runs it; test/contract/generated-types.test.ts fails
 * while a committed file differs from what this would write.
 *
 * It understands the part of JSON Schema (draft-07) that the contract uses and throws on any other keyword that
 * would change a type (anyOf, items, type arrays, ...), so a schema can never outgrow it silently: extend it, or add
 * json-schema-to-typescript, when a schema needs more. Keywords that only narrow values (pattern, lengths, bounds)
 * have no TypeScript counterpart and are left to Ajv at run time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_SCHEMAS, type ContractSchema } from '../contract/schemas';

/** A JSON Schema as read from a .schema.json file. */
type Schema = Readonly<Record<string, unknown>>;

/** Keywords that describe the type and are turned into TypeScript. */
const TYPE_KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'const', 'enum', '$ref', 'definitions']);
/** Keywords that only annotate or narrow values: TypeScript cannot say them, Ajv checks them. */
const VALUE_KEYWORDS = new Set(['$schema', '$id', 'title', 'description', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum']);

const PRIMITIVES: Readonly<Record<string, string>> = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean' };

/** The file stem a schema's types are written to, from its `$id` (`.../schema/job-message/v1.json` → `job-message`). */
export function moduleNameOf(id: string): string {
  const match = /\/schema\/([a-z-]+)\/v\d+\.json$/.exec(id);
  if (!match?.[1]) throw new Error(`contract schema $id ${id} is not of the form .../schema/<name>/v<N>.json`);
  return match[1];
}

class Emitter {
  /** Types from other contract modules, by module name. */
  readonly imports = new Map<string, Set<string>>();

  constructor(
    private readonly schema: ContractSchema,
    private readonly all: readonly ContractSchema[],
  ) {}

  /** The TypeScript of a sub-schema at `path` (for messages), indented for `depth`. */
  type(node: Schema, path: string, depth: number): string {
    for (const keyword of Object.keys(node)) {
      if (!TYPE_KEYWORDS.has(keyword) && !VALUE_KEYWORDS.has(keyword)) {
        throw new Error(`${this.schema.typeName}${path}: keyword "${keyword}" is not understood by scripts/contract-types.ts`);
      }
    }
    if (typeof node.$ref === 'string') return this.reference(node.$ref, path);
    if ('const' in node) return literal(node.const);
    if (Array.isArray(node.enum)) return node.enum.map(literal).join(' | ');
    const type = node.type;
    if (typeof type === 'string' && type in PRIMITIVES) return PRIMITIVES[type]!;
    if (type === 'object') return this.object(node, path, depth);
    throw new Error(`${this.schema.typeName}${path}: type ${JSON.stringify(type)} is not understood by scripts/contract-types.ts`);
  }

  /**
   * An object type. One that allows unnamed properties still gets a closed type: the writers in this repository name
   * every field they write, and readers of a newer record never look at the fields they do not know.
   */
  object(node: Schema, path: string, depth: number): string {
    const properties = (node.properties ?? {}) as Readonly<Record<string, Schema>>;
    const required = new Set((node.required ?? []) as string[]);
    for (const name of required) {
      if (!(name in properties)) throw new Error(`${this.schema.typeName}${path}: required "${name}" has no schema`);
    }
    const indent = '  '.repeat(depth + 1);
    const lines: string[] = [];
    for (const [name, property] of Object.entries(properties)) {
      lines.push(...docComment(property.description, indent));
      const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
      const optional = required.has(name) ? '' : '?';
      lines.push(`${indent}readonly ${key}${optional}: ${this.type(property, `${path}.${name}`, depth + 1)};`);
    }
    const extra = node.additionalProperties;
    if (extra && typeof extra === 'object') {
      lines.push(`${indent}readonly [key: string]: ${this.type(extra as Schema, `${path}[*]`, depth + 1)};`);
    } else if (lines.length === 0) {
      lines.push(`${indent}readonly [key: string]: unknown;`);
    }
    return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
  }

  /** A `$ref` to a named definition of this schema or of another contract schema. */
  reference(ref: string, path: string): string {
    const target = new URL(ref, this.schema.schema.$id);
    const name = /^\/definitions\/([A-Z]\w*)$/.exec(target.hash.slice(1))?.[1];
    if (!name) throw new Error(`${this.schema.typeName}${path}: $ref ${ref} does not name a PascalCase entry of "definitions"`);
    target.hash = '';
    if (target.href === this.schema.schema.$id) return name;
    const other = this.all.find((s) => s.schema.$id === target.href);
    if (!other) throw new Error(`${this.schema.typeName}${path}: $ref ${ref} is not a contract schema`);
    const module = moduleNameOf(other.schema.$id);
    if (!this.imports.has(module)) this.imports.set(module, new Set());
    this.imports.get(module)!.add(name);
    return name;
  }
}

/** A JSON value as a TypeScript literal type, strings in single quotes as the rest of the code base writes them. */
function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  throw new Error(`literal ${JSON.stringify(value)} is not understood by scripts/contract-types.ts`);
}

function docComment(description: unknown, indent: string): string[] {
  if (typeof description !== 'string') return [];
  return [`${indent}/** ${description.replace(/\*\//g, '*\\/')} */`];
}

/** The text of contract/generated/<module>.ts for one schema. */
export function contractTypesOf(schema: ContractSchema, all: readonly ContractSchema[] = CONTRACT_SCHEMAS): string {
  const root = schema.schema as unknown as Schema;
  const emitter = new Emitter(schema, all);
  const declarations: string[] = [];
  const declare = (name: string, node: Schema, path: string): void => {
    const type = emitter.type(node, path, 0);
    const doc = docComment(node.description, '');
    declarations.push(
      [...doc, type.startsWith('{') ? `export interface ${name} ${type}` : `export type ${name} = ${type};`].join('\n'),
    );
  };
  const { definitions, ...body } = root as Schema & { definitions?: Readonly<Record<string, Schema>> };
  declare(schema.typeName, body, '');
  for (const [name, definition] of Object.entries(definitions ?? {})) declare(name, definition, `#/definitions/${name}`);

  const module = moduleNameOf(schema.schema.$id);
  const imports = [...emitter.imports].map(
    ([from, names]) => `import type { ${[...names].sort().join(', ')} } from './${from}';`,
  );
  return [
    `// Generated from contract/${module}.schema.json by scripts/contract-types.ts (npm run generate:contract).`,
    '// Do not edit: change the schema and regenerate; test/contract/generated-types.test.ts fails while this is stale.',
    '',
    ...(imports.length ? [...imports, ''] : []),
    declarations.join('\n\n'),
    '',
  ].join('\n');
}

/** Where the generated types live. */
export const GENERATED_DIR = join(__dirname, '..', 'contract', 'generated');

/** The generated file of each contract schema, by path: what `main` writes and the drift test compares. */
export function generatedContractFiles(): Map<string, string> {
  return new Map(
    CONTRACT_SCHEMAS.map((s) => [join(GENERATED_DIR, `${moduleNameOf(s.schema.$id)}.ts`), contractTypesOf(s)]),
  );
}

if (require.main === module) {
  mkdirSync(GENERATED_DIR, { recursive: true });
  for (const [path, text] of generatedContractFiles()) {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
