import { readFileSync } from 'fs';
import { join } from 'path';

import { PROJECT_ROOT } from '../../infra/lib/stack';
import { HEARTBEAT_FILE, HEARTBEAT_STALE_MINUTES } from '../../infra/lib/worker';

/** gpu-task/Dockerfile split into stages: name → instruction lines (continuations joined). */
function stages(): Map<string, string[]> {
  const text = readFileSync(join(PROJECT_ROOT, 'gpu-task', 'Dockerfile'), 'utf8').replace(/\s*\\\n\s*/g, ' ');
  const result = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)$/i.exec(line);
    if (from) {
      current = [line];
      result.set(from[2] as string, current);
    } else {
      current?.push(line);
    }
  }
  return result;
}

const dockerfile = stages();
const stage = (name: string): string[] => dockerfile.get(name) ?? [];

describe('gpu-task/Dockerfile', () => {
  it('has the gpu (last, default) and cpu targets the stack builds', () => {
    expect([...dockerfile.keys()]).toEqual(['build', 'deps-cpu', 'deps-gpu', 'cpu', 'gpu']);
  });

  it('runs the gpu target on a CUDA 12 + cuDNN 9 runtime with onnxruntime-node\'s CUDA 12 provider', () => {
    const text = readFileSync(join(PROJECT_ROOT, 'gpu-task', 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^ARG CUDA_IMAGE=nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu2[24]\.04$/m);
    expect(stage('gpu')[0]).toBe('FROM ${CUDA_IMAGE} AS gpu');
    expect(stage('deps-gpu')).toContain('ENV ONNXRUNTIME_NODE_INSTALL=cuda12 npm_config_onnxruntime_node_install=cuda12');
    expect(stage('deps-gpu').join('\n')).toContain('libonnxruntime_providers_cuda.so');
    expect(stage('gpu')).toContain('COPY --from=deps-gpu /app/node_modules node_modules');
    expect(stage('gpu').join('\n')).toContain('NOTESCRIBE_EXECUTION_PROVIDERS=cuda,cpu');
    expect(stage('cpu').join('\n')).toContain('NOTESCRIBE_EXECUTION_PROVIDERS=cpu');
  });

  it('runs both targets as a non-root user with the health check the ECS task uses', () => {
    for (const name of ['gpu', 'cpu']) {
      const lines = stage(name);
      expect(lines).toContain('USER notescribe');
      const healthcheck = lines.find((l) => l.startsWith('HEALTHCHECK')) ?? '';
      expect(healthcheck).toContain(`-mmin -${HEARTBEAT_STALE_MINUTES}`);
      expect(lines.join('\n')).toContain(`NOTESCRIBE_HEARTBEAT_FILE=${HEARTBEAT_FILE}`);
      expect(lines[lines.length - 1]).toBe('CMD ["node", "dist/worker.js"]');
    }
  });

  it('copies only paths that /.dockerignore lets into the build context', () => {
    const allowed = readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1));
    const sources = [...dockerfile.values()]
      .flat()
      .filter((l) => l.startsWith('COPY ') && !l.startsWith('COPY --from'))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect({ source, allowed: allowed.some((a) => source === a || source.startsWith(`${a}/`)) }).toEqual({
        source,
        allowed: true,
      });
    }
  });
});
