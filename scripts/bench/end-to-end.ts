/**
 * Bench section: end-to-end real-time factor, audio file → MusicXML, on one CPU core (onnxruntime with one intra-op
 * thread; the rest of the engine is single-threaded JavaScript), for a 3-minute piece: the bundled example repeated,
 * as 44.1 kHz stereo WAV (made with sox). Goals: under 3 s, and at least 100× real time with the v2 models. When
 * ../shared holds maps-synth, also a dense piece (a Chopin étude on a sampled concert grand, looped to 3 minutes:
 * about 2,500 notes), whose goal is at least 40×: the onset and release models cost per onset and per note.
 *
 *   npx tsx scripts/bench/end-to-end.ts [--model PATH]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { loadReleaseModelFor, packageRoot } from '../../cli/model-location';
import type { ReleaseModel } from '../../core/model';
import { transcribe, type TranscriptionTimings } from '../../core/transcribe';
import { loadBenchModel, modelArgument } from './inference';
import type { BenchSection } from './types';

export interface EndToEndBench {
  readonly section: 'end-to-end';
  readonly model: string;
  readonly trainedModel: boolean;
  readonly audioSeconds: number;
  readonly onsets: number;
  readonly notes: number;
  readonly totalSeconds: number;
  /** Audio seconds per second of processing (60 = the goal). */
  readonly realTimeFactor: number;
  readonly timings: TranscriptionTimings;
}

/** The dense piece of the second measurement (maps-synth, read in place from ../shared), if present. */
export const DENSE_PIECE = join(packageRoot(), '..', 'shared', 'data', 'maps-synth', 'audio', 'MAPS_MUS-chp_op18_AkPnCGdD.flac');

/** Builds the test piece: `source` (default the example waltz) looped to `seconds`, 44.1 kHz stereo 16-bit WAV bytes. */
export function makeLongPiece(seconds: number, source: string = join(packageRoot(), 'examples', 'little-waltz.flac')): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'notescribe-bench-'));
  try {
    const out = join(dir, 'piece.wav');
    const run = spawnSync('sox', [source, '-r', '44100', '-c', '2', '-b', '16', out, 'repeat', '9', 'trim', '0', String(seconds)]);
    if (run.status !== 0) throw new Error(`sox failed: ${run.stderr?.toString() ?? run.error?.message ?? 'not installed?'}`);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Transcribes a `seconds`-long piece to MusicXML once for warm-up, then measures the second run. */
export async function benchEndToEnd(
  options: { seconds?: number; batchSize?: number; modelPath?: string; source?: string } = {},
): Promise<EndToEndBench> {
  const bytes = makeLongPiece(options.seconds ?? 180, options.source);
  const { model, trained, path } = await loadBenchModel(1, options.modelPath);
  const releaseModel: ReleaseModel | undefined = trained ? await loadReleaseModelFor(path, model.card, { intraOpNumThreads: 1 }) : undefined;
  try {
    const run = () =>
      transcribe(bytes, {
        model,
        ...(releaseModel === undefined ? {} : { releaseModel }),
        formats: ['musicxml'],
        batchSize: options.batchSize ?? 64,
        title: 'Benchmark',
      });
    await run();
    const result = await run();
    const audioSeconds = result.analysis.durationSeconds;
    const totalSeconds = result.timings.totalMs / 1000;
    return {
      section: 'end-to-end',
      model: model.card.name,
      trainedModel: trained,
      audioSeconds,
      onsets: result.onsetCount,
      notes: result.notes.length,
      totalSeconds,
      realTimeFactor: audioSeconds / totalSeconds,
      timings: result.timings,
    };
  } finally {
    await model.release();
    await releaseModel?.release();
  }
}

export function formatEndToEndBench(r: EndToEndBench): string {
  const t = r.timings;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  return [
    `end-to-end: ${r.audioSeconds.toFixed(0)} s of 44.1 kHz stereo WAV → MusicXML on one core with ${r.model}` +
      `${r.trainedModel ? '' : ' (TEST FIXTURE: no trained model in models/)'}`,
    `  ${r.totalSeconds.toFixed(2)} s total = ${r.realTimeFactor.toFixed(0)}× real time (goal: ≤ 3 s, ≥ 60×); ` +
      `${r.onsets} onsets, ${r.notes} notes`,
    `  analyse ${ms(t.analyseMs)} | windows ${ms(t.windowsMs)} | predict ${ms(t.predictMs)} | notes ${ms(t.notesMs)} | ` +
      `score ${ms(t.scoreMs)} | musicxml ${ms(t.outputsMs.musicxml ?? 0)}`,
  ].join('\n');
}

/** The harness section (scripts/bench.ts): real-time factor and stage breakdown for a 3-minute piece. */
export const endToEndSection: BenchSection = {
  name: 'end-to-end',
  description: 'audio file → MusicXML on one CPU core, 3-minute piece (goal ≤ 3 s, ≥ 60× real time)',
  headline: ['end_to_end_realtime_factor', 'end_to_end_seconds'],
  async run({ log, quick }) {
    const r = await benchEndToEnd({ seconds: quick ? 20 : 180 });
    for (const line of formatEndToEndBench(r).split('\n')) log(line);
    const t = r.timings;
    const round = (x: number) => Math.round(x * 10) / 10;
    let dense = {};
    if (existsSync(DENSE_PIECE)) {
      const d = await benchEndToEnd({ seconds: quick ? 20 : 180, source: DENSE_PIECE });
      log(`end-to-end, dense piece (${d.onsets} onsets, ${d.notes} notes; goal ≥ 40×): ${d.totalSeconds.toFixed(2)} s = ` +
        `${d.realTimeFactor.toFixed(0)}× real time; predict ${d.timings.predictMs.toFixed(0)} ms, notes ${d.timings.notesMs.toFixed(0)} ms`);
      dense = {
        end_to_end_dense_onsets: d.onsets,
        end_to_end_dense_notes: d.notes,
        end_to_end_dense_seconds: Math.round(d.totalSeconds * 1000) / 1000,
        end_to_end_dense_realtime_factor: round(d.realTimeFactor),
      };
    }
    return {
      ...dense,
      end_to_end_model: r.model,
      end_to_end_trained_model: r.trainedModel,
      end_to_end_audio_seconds: round(r.audioSeconds),
      end_to_end_seconds: Math.round(r.totalSeconds * 1000) / 1000,
      end_to_end_realtime_factor: round(r.realTimeFactor),
      end_to_end_onsets: r.onsets,
      end_to_end_notes: r.notes,
      end_to_end_analyse_ms: round(t.analyseMs),
      end_to_end_windows_ms: round(t.windowsMs),
      end_to_end_predict_ms: round(t.predictMs),
      end_to_end_notes_ms: round(t.notesMs),
      end_to_end_score_ms: round(t.scoreMs),
      end_to_end_musicxml_ms: round(t.outputsMs.musicxml ?? 0),
    };
  },
};

if (require.main === module) {
  const modelPath = modelArgument();
  benchEndToEnd(modelPath === undefined ? {} : { modelPath })
    .then((result) => process.stdout.write(`${formatEndToEndBench(result)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    });
}
