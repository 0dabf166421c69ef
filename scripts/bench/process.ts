/**
 * Bench section: the CLI as a user runs it, a whole process per command. Start-up (`notescribe --version` through
 * the installed bin, against the same through tsx from the sources, which is how the bin ran before it was a
 * bundle), and a whole `notescribe transcribe` of a 3-minute real-piano recording beside the in-process figure for
 * the same file (core `transcribe`, warm, in this process). Goal: the whole process at most 1.5× the in-process time.
 *
 * The recording: two MAPS pieces from ../shared/data/maps-synth (sampled concert pianos in real rooms) joined with
 * sox and cut to 180 s; without ../shared, the bundled example looped (a synthesised piano, said so in the output).
 *
 *   npx tsx scripts/bench/process.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../cli/model-location';
import { transcribe } from '../../core/transcribe';
import { buildCli } from '../build-cli';
import { makeLongPiece } from './end-to-end';
import { loadBenchModel } from './inference';
import { round, timed, type Timed } from './timing';
import type { BenchSection, Metric } from './types';

const ROOT = packageRoot();
const BIN = join(ROOT, 'bin', 'notescribe.cjs');
const MAPS_AUDIO = join(ROOT, '..', 'shared', 'data', 'maps-synth', 'audio');
const PIECE_SECONDS = 180;
const STARTUP_RUNS = 10;
const TRANSCRIBE_RUNS = 3;

/** CPU seconds used by this process's finished children so far (Linux /proc: cutime + cstime, 100 ticks/s). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) ", cutime and cstime are fields 16 and 17 of stat(5), i.e. indices 13 and 14 here.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface ProcessRun {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly stdout: string;
}

function runProcess(args: readonly string[], cwd: string = ROOT): ProcessRun {
  const cpuBefore = childCpuSeconds();
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 16 << 20 });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr.trim()}`);
  return { wallSeconds, cpuSeconds: childCpuSeconds() - cpuBefore, stdout: run.stdout };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function startup(args: readonly string[], runs: number): { wall: number; cpu: number } {
  const measured = Array.from({ length: runs }, () => runProcess(args));
  return { wall: median(measured.map((m) => m.wallSeconds)), cpu: median(measured.map((m) => m.cpuSeconds)) };
}

/** The 3-minute recording, written into `dir`: its path, and what it is. */
function realPianoPiece(dir: string, seconds: number): { path: string; description: string } {
  const path = join(dir, 'piano.flac');
  const pieces = existsSync(MAPS_AUDIO) ? readdirSync(MAPS_AUDIO).filter((f) => f.endsWith('.flac')).sort().slice(0, 2) : [];
  if (pieces.length === 2) {
    const joined = spawnSync('sox', [...pieces.map((f) => join(MAPS_AUDIO, f)), path, 'trim', '0', String(seconds)], { encoding: 'utf8' });
    if (joined.status !== 0) throw new Error(`sox failed: ${joined.stderr || joined.error?.message}`);
    return { path, description: `MAPS ${pieces.map((f) => f.replace(/\.flac$/, '')).join(' + ')}, 16 kHz mono FLAC` };
  }
  const wav = join(dir, 'piano.wav');
  writeFileSync(wav, makeLongPiece(seconds));
  return { path: wav, description: 'the bundled example looped (no ../shared/data/maps-synth), 44.1 kHz stereo WAV' };
}

export async function benchProcess(options: { quick?: boolean; log?: (line: string) => void } = {}): Promise<Record<string, Metric>> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  buildCli();
  const tsxCli = require.resolve('tsx/cli');
  const runs = options.quick ? 3 : STARTUP_RUNS;
  const bundled = startup([BIN, '--version'], runs);
  const fromSource = startup([tsxCli, join(ROOT, 'cli', 'main.ts'), '--version'], options.quick ? 1 : 3);
  log(`  start-up, notescribe --version (median of ${runs}): ${bundled.wall.toFixed(3)} s wall, ${bundled.cpu.toFixed(2)} s CPU`);
  log(`  the same through tsx from the sources (the bin before the bundle): ${fromSource.wall.toFixed(3)} s wall, ${fromSource.cpu.toFixed(2)} s CPU`);
  const bare = startup(['-e', '0'], runs);
  log(`  bare node -e 0: ${bare.wall.toFixed(3)} s wall, ${bare.cpu.toFixed(2)} s CPU`);

  const dir = mkdtempSync(join(tmpdir(), 'notescribe-bench-process-'));
  try {
    const seconds = options.quick ? 20 : PIECE_SECONDS;
    const piece = realPianoPiece(dir, seconds);
    log(`  piece: ${seconds} s, ${piece.description}`);
    const out = join(dir, 'out');
    const whole = Array.from({ length: options.quick ? 1 : TRANSCRIBE_RUNS }, () =>
      runProcess([BIN, 'transcribe', piece.path, '-o', out, '--formats', 'musicxml', '--json', '--no-progress']),
    );
    const wholeSeconds = median(whole.map((w) => w.wallSeconds));
    const wholeCpu = median(whole.map((w) => w.cpuSeconds));
    const record = JSON.parse(whole[0]!.stdout.trim().split('\n').at(-1) ?? '{}') as { seconds?: number; notes?: number };

    // In process: the same bytes and model through core `transcribe`, warmed up once, as the end-to-end section does.
    const bytes = new Uint8Array(readFileSync(piece.path));
    const { model } = await loadBenchModel(1);
    let cold: Timed<unknown>;
    let warm: Timed<unknown>;
    try {
      const once = () => transcribe(bytes, { model, formats: ['musicxml'], title: 'Benchmark' });
      cold = await timed(once);
      warm = await timed(once);
    } finally {
      await model.release();
    }
    const inProcessSeconds = warm.seconds;
    const ratio = wholeSeconds / inProcessSeconds;
    log(
      `  whole process, notescribe transcribe → MusicXML (median of ${whole.length}): ${wholeSeconds.toFixed(2)} s wall, ` +
        `${wholeCpu.toFixed(2)} s CPU; inside it the transcription took ${record.seconds?.toFixed(2) ?? '?'} s (cold); ${record.notes ?? '?'} notes`,
    );
    log(
      `  in process (one onnxruntime thread): first run ${cold.seconds.toFixed(2)} s wall, ${cold.cpuSeconds.toFixed(2)} s CPU; ` +
        `warm ${warm.seconds.toFixed(2)} s wall, ${warm.cpuSeconds.toFixed(2)} s CPU`,
    );
    log(
      `  whole process / in process (warm): ${ratio.toFixed(2)} by wall clock (goal ≤ 1.5), ` +
        `${(wholeCpu / warm.cpuSeconds).toFixed(2)} by CPU; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    );
    return {
      startup_seconds: round(bundled.wall),
      startup_cpu_seconds: round(bundled.cpu, 2),
      startup_tsx_seconds: round(fromSource.wall),
      startup_tsx_cpu_seconds: round(fromSource.cpu, 2),
      node_bare_seconds: round(bare.wall),
      process_piece: piece.description,
      process_audio_seconds: seconds,
      process_transcribe_seconds: round(wholeSeconds),
      process_transcribe_cpu_seconds: round(wholeCpu, 2),
      process_cold_transcription_seconds: record.seconds ?? null,
      in_process_seconds: round(inProcessSeconds),
      in_process_cpu_seconds: round(warm.cpuSeconds, 2),
      in_process_first_run_seconds: round(cold.seconds),
      process_to_in_process_ratio: round(ratio, 2),
      process_to_in_process_cpu_ratio: round(wholeCpu / warm.cpuSeconds, 2),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The harness section (scripts/bench.ts). */
export const processSection: BenchSection = {
  name: 'process',
  description: 'the CLI as whole processes: start-up, and a 3-minute real-piano recording → MusicXML beside the in-process time (goal ≤ 1.5×)',
  headline: ['startup_seconds', 'process_transcribe_seconds', 'process_to_in_process_ratio'],
  run: ({ log, quick }) => benchProcess({ quick, log }),
};

if (require.main === module) {
  benchProcess().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
