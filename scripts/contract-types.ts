/**
 * Writes the TypeScript types of the contract (contract/generated/*.ts) from its JSON schemas with
 * json-schema-to-typescript, so a type cannot say something its schema does not. `npm run generate:contract` runs it;
 * test/contract/generated-types.test.ts fails while a committed file differs from what this would write.
 *
 * Each module declares its schema's root type (named by CONTRACT_SCHEMAS, not by the schema's title) and its own
 * `definitions`; a type another contract schema owns (`$ref: "../job-message/v1.json#/definitions/JobNotify"`) is
 * imported from that schema's module rather than declared twice. `$ref`s resolve by `$id` among CONTRACT_SCHEMAS
 * only: nothing is read from disk or the network. Keywords that only narrow values (pattern, lengths, bounds) have no
 * TypeScript counterpart and are left to Ajv at run time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type JSONSchema, type Options } from 'json-schema-to-typescript';
import ts from 'typescript';
import { CONTRACT_SCHEMAS, type ContractSchema } from '../contract/schemas';

/** The file stem a schema's types are written to, from its `$id` (`.../schema/job-message/v1.json` → `job-message`). */
export function moduleNameOf(id: string): string {
  const match = /\/schema\/([a-z-]+)\/v\d+\.json$/.exec(id);
  if (!match?.[1]) throw new Error(`contract schema $id ${id} is not of the form .../schema/<name>/v<N>.json`);
  return match[1];
}

/** The part of the options that is the same for every schema. */
const COMMON_OPTIONS: Partial<Options> = {
  /**
   * An object that does not say gets a closed type: the writers in this repository name every field they write, and
   * readers of a newer record never look at the fields they do not know. A schema that means an open bag says
   * `additionalProperties: true` (FailureRecord's `context`).
   */
  additionalProperties: false,
  // Every definition of the schema is declared, used or not: another module may import it.
  unreachableDefinitions: true,
  // As the rest of the code base writes TypeScript.
  style: { singleQuote: true, bracketSpacing: true, trailingComma: 'all' },
};

/** The `definitions` entry a `$ref` names, as a URL and its pointer resolve to. */
interface Reference {
  readonly ref: string;
  readonly schemaId: string;
  readonly definition: string;
}

/**
 * Every `$ref` in a schema, resolved against the schema's `$id`. Each must name a PascalCase definition: the module that
 * owns a definition declares it under its key PascalCased (the library's naming), a module that imports it names it by
 * its key (asImported), and the two must agree.
 */
function referencesIn(schema: ContractSchema): Reference[] {
  const references: Reference[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const { $ref, ...rest } = node as Record<string, unknown>;
    if (typeof $ref === 'string') {
      const target = new URL($ref, schema.schema.$id);
      const definition = /^#\/definitions\/([A-Z]\w*)$/.exec(target.hash)?.[1];
      if (!definition) {
        throw new Error(`${schema.typeName}: $ref ${$ref} does not name a PascalCase entry of "definitions"`);
      }
      target.hash = '';
      references.push({ ref: $ref, schemaId: target.href, definition });
    }
    Object.values(rest).forEach(visit);
  };
  visit(schema.schema);
  return references;
}

/** The `import type` lines for the types `schema` takes from other contract schemas, sorted so the output is stable. */
function importsOf(schema: ContractSchema, all: readonly ContractSchema[]): string[] {
  const names = new Map<string, Set<string>>();
  for (const { ref, schemaId, definition } of referencesIn(schema)) {
    if (schemaId === schema.schema.$id) continue;
    if (!all.some((s) => s.schema.$id === schemaId)) {
      throw new Error(`${schema.typeName}: $ref ${ref} is not to a contract schema`);
    }
    const module = moduleNameOf(schemaId);
    names.set(module, (names.get(module) ?? new Set()).add(definition));
  }
  return [...names.keys()]
    .sort()
    .map((module) => `import type { ${[...names.get(module)!].sort().join(', ')} } from './${module}';`);
}

/**
 * Marks every property and index signature `readonly`, as the rest of the code base types records it only reads:
 * json-schema-to-typescript has no option for it (bcherny/json-schema-to-typescript#627). The keyword is inserted at
 * each member the TypeScript parser finds, so comments and formatting stay as the library wrote them.
 */
function withReadonlyMembers(text: string): string {
  const source = ts.createSourceFile('generated.ts', text, ts.ScriptTarget.Latest, true);
  const starts: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertySignature(node) || ts.isIndexSignatureDeclaration(node)) {
      const isReadonly = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword) ?? false;
      if (!isReadonly) starts.push(node.getStart(source));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return starts.reduceRight((out, at) => `${out.slice(0, at)}readonly ${out.slice(at)}`, text);
}

/**
 * Another contract schema as a module that imports from it reads it: each definition is only the type of that name
 * (a `tsType`), so the library refers to it rather than declaring it a second time.
 */
function asImported(other: ContractSchema): string {
  const definitions = Object.keys((other.schema as JSONSchema).definitions ?? {});
  return JSON.stringify({ ...other.schema, definitions: Object.fromEntries(definitions.map((n) => [n, { tsType: n }])) });
}

/** The text of contract/generated/<module>.ts for one schema. */
export async function contractTypesOf(
  schema: ContractSchema,
  all: readonly ContractSchema[] = CONTRACT_SCHEMAS,
): Promise<string> {
  const id = schema.schema.$id;
  const module = moduleNameOf(id);
  const banner = [
    `// Generated from contract/${module}.schema.json by scripts/contract-types.ts (npm run generate:contract).`,
    '// Do not edit: change the schema and regenerate; test/contract/generated-types.test.ts fails while this is stale.',
  ];
  const imports = importsOf(schema, all);
  const text = await compile(schema.schema as JSONSchema, schema.typeName, {
    ...COMMON_OPTIONS,
    bannerComment: [...banner, ...(imports.length ? ['', ...imports] : [])].join('\n'),
    // The root is named as the code imports it; the library would name it from the schema's title.
    customName: (node) => (node.$id === id ? schema.typeName : undefined),
    // Relative `$ref`s resolve against the schema's `$id` ...
    cwd: new URL('.', id).href,
    $refOptions: {
      resolve: {
        // ... to another contract schema, read from `all`, never from disk or the network.
        file: false,
        http: false,
        contract: {
          canRead: (file: { url: string }) => all.some((s) => s.schema.$id === file.url),
          read: (file: { url: string }) => asImported(all.find((s) => s.schema.$id === file.url)!),
        },
      },
    },
  });
  return withReadonlyMembers(text);
}

/** Where the generated types live. */
export const GENERATED_DIR = join(__dirname, '..', 'contract', 'generated');

/** The path of a schema's generated module. */
export function generatedPathOf(schema: ContractSchema): string {
  return join(GENERATED_DIR, `${moduleNameOf(schema.schema.$id)}.ts`);
}

if (require.main === module) {
  mkdirSync(GENERATED_DIR, { recursive: true });
  void (async () => {
    for (const schema of CONTRACT_SCHEMAS) {
      const path = generatedPathOf(schema);
      writeFileSync(path, await contractTypesOf(schema));
      console.log(`wrote ${path}`);
    }
  })();
}
