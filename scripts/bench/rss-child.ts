/**
 * Child process of the DSP bench section: runs one pipeline on a generated piece and prints
 * `{"peak_rss_mb": …, …}` as its only stdout line. A fresh process, so maxRSS is this pipeline's peak alone.
 *
 * argv: <seconds> <mode>, mode 'full' (44.1 kHz WAV bytes → decode → resample → spectrogram → onsets) or 'from16k'
 * (16 kHz samples synthesised directly → spectrogram → onsets: the spectrogram's and onsets' own footprint).
 */
import { decodeAudio } from '../../core/audio';
import { detectOnsets } from '../../core/onsets';
import { computeSpectrogram } from '../../core/spectrogram';
import { SAMPLE_RATE_HZ } from '../../core/params';
import { renderPieceSamples, renderPieceWav } from './piece';

const MB = 2 ** 20;

/**
 * The piece decoded from 44.1 kHz WAV bytes that only this call's frame holds: a real caller (CLI, worker) lets go
 * of the file once decoded, and a variable of `main` would keep the bytes alive through the spectrogram.
 */
async function decodePiece(seconds: number): Promise<{ samples: Float32Array; wavBytes: number }> {
  const wav = renderPieceWav({ seconds });
  const { samples } = await decodeAudio(wav);
  return { samples, wavBytes: wav.byteLength };
}

async function main(): Promise<void> {
  // The process before any work: node itself plus the bundle's code.
  const baseline = process.memoryUsage().rss;
  const seconds = Number(process.argv[2] ?? 600);
  const mode = process.argv[3] ?? 'full';
  let wavBytes = 0;
  let samples: Float32Array;
  if (mode === 'from16k') {
    samples = renderPieceSamples({ seconds, sampleRateHz: SAMPLE_RATE_HZ });
  } else {
    ({ samples, wavBytes } = await decodePiece(seconds));
  }
  const beforeSpectrogram = process.memoryUsage().rss;
  const spectrogram = computeSpectrogram(samples);
  const afterSpectrogram = process.resourceUsage().maxRSS;
  const onsets = detectOnsets(spectrogram);
  const usage = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      mode,
      seconds,
      peak_rss_mb: Math.round(usage.maxRSS / 1024),
      rss_at_start_mb: Math.round(baseline / MB),
      rss_before_spectrogram_mb: Math.round(beforeSpectrogram / MB),
      peak_rss_after_spectrogram_mb: Math.round(afterSpectrogram / 1024),
      spectrogram_mb: Math.round(spectrogram.data.byteLength / MB),
      onsets: onsets.length,
      wav_mb: Math.round(wavBytes / MB),
    }) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
