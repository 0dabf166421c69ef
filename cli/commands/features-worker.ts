/**
 * Worker thread of `notescribe features --jobs N`: receives `{ index, input }`, extracts that file's features and
 * replies with progress, then `done` or `failed` (a NotescribeError's code and message; errors do not cross threads).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { asNotescribeError } from '../../core/errors';
import { extractFeaturesFile, type WorkerReply } from './features';

const port = parentPort;
if (port) {
  const { outDir, maxSeconds } = workerData as { outDir: string; maxSeconds: number | null };
  const reply = (message: WorkerReply): void => port.postMessage(message);
  port.on('message', (job: { index: number; input: string }) => {
    let lastReported = -1;
    extractFeaturesFile(job.input, outDir, {
      ...(maxSeconds === null ? {} : { maxSeconds }),
      onProgress: (fraction) => {
        // Progress messages are cheap but not free: a hundredth at a time is smooth enough.
        if (fraction - lastReported < 0.01 && fraction < 1) return;
        lastReported = fraction;
        reply({ kind: 'progress', index: job.index, fraction });
      },
    }).then(
      (result) => reply({ kind: 'done', index: job.index, result }),
      (error: unknown) => {
        const failure = asNotescribeError(error);
        reply({ kind: 'failed', index: job.index, code: failure.code, message: failure.message });
      },
    );
  });
}
