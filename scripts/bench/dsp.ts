/**
 * DSP section: decode + resample + spectrogram + onsets of a generated 3-minute piano-like piece (44.1 kHz 16-bit
 * WAV in memory) on one thread; a direct per-bin CQT on a short excerpt, extrapolated, for the speed ratio; and the
 * peak RSS of a 10-minute piece in child processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { decodeAudio, decodeSourceAudio, resample } from '../../core/audio';
import { NEVER_LOADED_MODULES } from '../../core/audio/bundling';
import { detectOnsets } from '../../core/onsets';
import { SAMPLE_RATE_HZ } from '../../core/params';
import { computeSpectrogram, referenceConstantQ, type SpectrogramStats } from '../../core/spectrogram';
import { renderPieceWav } from './piece';
import { round, timed, type Timed } from './timing';
import type { BenchContext, BenchSection, Metric } from './types';

const PIECE_SECONDS = 180;
const LONG_PIECE_SECONDS = 600;
const NAIVE_EXCERPT_SECONDS = 2;

/**
 * The RSS child runs as an esbuild bundle on plain node, as the CLI and worker ship, so the figure holds the
 * pipeline's memory and not tsx's transpiler.
 */
function bundleRssChild(): string {
  const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'notescribe-bench-')), 'rss-child.cjs');
  buildSync({
    entryPoints: [path.join(__dirname, 'rss-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'error',
    // As the ingest Lambda is bundled (infra/lib/ingest.ts).
    external: [...NEVER_LOADED_MODULES],
  });
  return outfile;
}

function peakRss(script: string, seconds: number, mode: 'full' | 'from16k', context: BenchContext): Record<string, Metric> {
  const child = spawnSync(process.execPath, ['--expose-gc', script, String(seconds), mode], {
    encoding: 'utf8',
    cwd: path.join(__dirname, '..', '..'),
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) {
    context.log(`  rss child (${mode}) failed: ${child.stderr.trim()}`);
    return { peak_rss_mb: null };
  }
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, Metric>;
}

export const dspSection: BenchSection = {
  name: 'dsp',
  description: 'decode + resample + dynamic-Q spectrogram + onsets, one thread',
  headline: ['dsp_realtime_factor', 'peak_rss_mb', 'spectrogram_naive_speed_ratio'],
  async run(context) {
    const seconds = context.quick ? 20 : PIECE_SECONDS;
    const longSeconds = context.quick ? 60 : LONG_PIECE_SECONDS;
    const wav = renderPieceWav({ seconds });
    context.log(`  piece: ${seconds} s, 44.1 kHz mono 16-bit WAV, ${(wav.byteLength / 2 ** 20).toFixed(1)} MB`);

    // Warm-up on a short excerpt: JIT and the one-off kernel tables, reported separately.
    const warm = await timed(() => computeSpectrogram(new Float32Array(5 * SAMPLE_RATE_HZ)));
    // The two stages apart (decode to full-rate mono, then resample), then decodeAudio as the pipeline runs it: the
    // WAV streamed through the resampler block by block, with no full-rate copy. The total counts the latter.
    const decode = await timed(() => decodeSourceAudio(wav));
    const source = decode.value;
    const resampled = await timed(() => resample(source.mono, source.source.sampleRateHz, SAMPLE_RATE_HZ));
    const streamed = await timed(() => decodeAudio(wav));
    const samples = streamed.value.samples;
    const stats: SpectrogramStats = { lowGroupFrames: 0, highGroupFrames: 0, blendedCells: 0 };
    const spectrogram = await timed(() => computeSpectrogram(samples, { stats }));
    const onsets = await timed(() => detectOnsets(spectrogram.value));
    const stages: Timed<unknown>[] = [streamed, spectrogram, onsets];
    const dspSeconds = stages.reduce((sum, stage) => sum + stage.seconds, 0);
    const dspCpuSeconds = stages.reduce((sum, stage) => sum + stage.cpuSeconds, 0);
    const audioSeconds = samples.length / SAMPLE_RATE_HZ;
    context.log(`  decode       ${decode.seconds.toFixed(3)} s`);
    context.log(`  resample     ${resampled.seconds.toFixed(3)} s  (${source.source.sampleRateHz} Hz → ${SAMPLE_RATE_HZ} Hz, WebAssembly SIMD)`);
    context.log(`  decodeAudio  ${streamed.seconds.toFixed(3)} s  (WAV streamed through the resampler: both stages in one pass)`);
    context.log(`  spectrogram  ${spectrogram.seconds.toFixed(3)} s  (${(audioSeconds / spectrogram.seconds).toFixed(0)}× real time; warm-up ${warm.seconds.toFixed(3)} s)`);
    context.log(`  onsets       ${onsets.seconds.toFixed(3)} s  (${onsets.value.length} onsets)`);
    context.log(`  total        ${dspSeconds.toFixed(3)} s for ${audioSeconds.toFixed(0)} s of audio: ${(audioSeconds / dspSeconds).toFixed(0)}× real time (CPU ${dspCpuSeconds.toFixed(3)} s: ${(audioSeconds / dspCpuSeconds).toFixed(0)}×; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
    const highFraction = stats.highGroupFrames / Math.max(1, stats.lowGroupFrames);
    const blendedFraction = stats.blendedCells / Math.max(1, spectrogram.value.data.length);
    context.log(`  dynamic Q: high-Q companion on ${(100 * highFraction).toFixed(0)} % of octave-frames, ${(100 * blendedFraction).toFixed(1)} % of cells blended`);

    // The direct per-bin sums (low and high Q, as the dynamic spectrogram needs both) on an excerpt, extrapolated.
    const excerptFrames = NAIVE_EXCERPT_SECONDS * 100;
    const naive = await timed(() => {
      referenceConstantQ(samples, { q: 'low', firstFrame: 3000, frameCount: excerptFrames });
      referenceConstantQ(samples, { q: 'high', firstFrame: 3000, frameCount: excerptFrames });
    });
    const naiveExtrapolated = (naive.seconds * audioSeconds) / NAIVE_EXCERPT_SECONDS;
    const ratio = naiveExtrapolated / spectrogram.seconds;
    context.log(`  naive direct CQT: ${naive.seconds.toFixed(2)} s for ${NAIVE_EXCERPT_SECONDS} s → ${naiveExtrapolated.toFixed(0)} s extrapolated: the FFT-kernel path is ${ratio.toFixed(0)}× faster`);

    const script = bundleRssChild();
    const full = peakRss(script, longSeconds, 'full', context);
    const from16k = peakRss(script, longSeconds, 'from16k', context);
    rmSync(path.dirname(script), { recursive: true, force: true });
    context.log(
      `  peak RSS, ${longSeconds} s piece (process at start: ${String(full.rss_at_start_mb)} MB): ` +
        `${String(full.peak_rss_mb)} MB (44.1 kHz WAV bytes → onsets; ` +
        `${String(full.rss_before_spectrogram_mb)} MB after decoding), ${String(from16k.peak_rss_mb)} MB (16 kHz samples → onsets; ` +
        `${String(from16k.rss_before_spectrogram_mb)} MB with the samples, ${String(from16k.peak_rss_after_spectrogram_mb)} MB at the end of the spectrogram)`,
    );

    return {
      audio_seconds: round(audioSeconds, 2),
      decode_seconds: round(decode.seconds),
      resample_seconds: round(resampled.seconds),
      decode_audio_seconds: round(streamed.seconds),
      spectrogram_seconds: round(spectrogram.seconds),
      onsets_seconds: round(onsets.seconds),
      onsets_included: true,
      onset_count: onsets.value.length,
      dsp_seconds: round(dspSeconds),
      dsp_cpu_seconds: round(dspCpuSeconds),
      dsp_realtime_factor: round(audioSeconds / dspSeconds, 1),
      dsp_realtime_factor_cpu: round(audioSeconds / dspCpuSeconds, 1),
      load_average: round(os.loadavg()[0]!, 2),
      dynamic_q_high_fraction: round(highFraction),
      dynamic_q_blended_fraction: round(blendedFraction, 4),
      spectrogram_realtime_factor: round(audioSeconds / spectrogram.seconds, 1),
      spectrogram_realtime_factor_cpu: round(audioSeconds / spectrogram.cpuSeconds, 1),
      spectrogram_warmup_seconds: round(warm.seconds),
      spectrogram_naive_seconds_extrapolated: round(naiveExtrapolated, 1),
      spectrogram_naive_speed_ratio: round(ratio, 1),
      peak_rss_song_seconds: longSeconds,
      peak_rss_mb: full.peak_rss_mb ?? null,
      rss_mb_at_start: full.rss_at_start_mb ?? null,
      peak_rss_mb_from_16k: from16k.peak_rss_mb ?? null,
      peak_rss_mb_through_spectrogram_from_16k: from16k.peak_rss_after_spectrogram_mb ?? null,
      rss_mb_before_spectrogram_from_16k: from16k.rss_before_spectrogram_mb ?? null,
      threads: 1,
    };
  },
};
