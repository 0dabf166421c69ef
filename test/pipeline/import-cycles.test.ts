import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * No import cycle between the repository's parts: a part may use another only if that one does not use it back,
 * however indirectly. The parts are the top-level folders (cli, contract, pipeline, lambdas, gpu-task, infra,
 * scripts, test), except core/, whose stages (core/audio, core/spectrogram, ...) and root files (core/errors.ts,
 * core/transcribe.ts, ...) are parts of their own: the engine is layered inside. Imports are read and resolved by
 * the TypeScript compiler, as tsc resolves them.
 */
const ROOT = join(__dirname, '..', '..');
const PARTS = ['core', 'contract', 'pipeline', 'lambdas', 'gpu-task', 'infra', 'cli', 'scripts', 'test'];

const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile) as { config: unknown };
const { options, fileNames } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);

/** The part a repository file belongs to, or undefined outside the parts (node_modules, package.json). */
export function partOf(file: string): string | undefined {
  const segments = relative(ROOT, file).split(sep);
  const [top, second] = segments;
  if (top === undefined || !PARTS.includes(top)) return undefined;
  return top === 'core' && second !== undefined ? `core/${second}` : top;
}

/** The strongly connected components with more than one member (Tarjan), each sorted: the import cycles. */
export function cyclesOf(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

function importGraph(): { graph: Map<string, Set<string>>; edges: Map<string, string> } {
  const graph = new Map<string, Set<string>>();
  /** One import that makes each part-to-part edge, so a failure names a file to look at. */
  const edges = new Map<string, string>();
  for (const file of fileNames) {
    const from = partOf(file);
    if (from === undefined) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const resolved = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule?.resolvedFileName;
      const to = resolved === undefined ? undefined : partOf(resolved);
      if (to === undefined || to === from) continue;
      graph.get(from)!.add(to);
      if (!edges.has(`${from} → ${to}`)) edges.set(`${from} → ${to}`, `${relative(ROOT, file)} imports ${fileName}`);
    }
  }
  return { graph, edges };
}

describe('import cycles', () => {
  it('finds a cycle however long, and none in a layering', () => {
    const graph = (pairs: string[]): Map<string, Set<string>> => {
      const g = new Map<string, Set<string>>();
      for (const pair of pairs) {
        const [a = '', b = ''] = pair.split('>');
        g.set(a, (g.get(a) ?? new Set()).add(b));
      }
      return g;
    };
    expect(cyclesOf(graph(['a>b', 'b>c', 'c>a', 'c>d']))).toEqual([['a', 'b', 'c']]);
    expect(cyclesOf(graph(['a>b', 'b>c', 'a>c', 'c>d']))).toEqual([]);
    expect(partOf(join(ROOT, 'core/spectrogram/wasm/generated/cqt.ts'))).toBe('core/spectrogram');
    expect(partOf(join(ROOT, 'core/errors.ts'))).toBe('core/errors.ts');
    expect(partOf(join(ROOT, 'test/helpers/moto.ts'))).toBe('test');
  });

  it('has none between the parts of the repository', () => {
    const { graph, edges } = importGraph();
    expect(graph.size).toBeGreaterThan(20);
    const explained = cyclesOf(graph).map((cycle) =>
      [...edges].filter(([edge]) => cycle.some((a) => cycle.some((b) => edge === `${a} → ${b}`))).map(([edge, why]) => `${edge}: ${why}`),
    );
    expect(explained).toEqual([]);
  });
});
