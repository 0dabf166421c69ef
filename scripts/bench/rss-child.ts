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

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 600);
  const mode = process.argv[3] ?? 'full';
  let wav: Uint8Array | undefined;
  let samples: Float32Array;
  if (mode === 'from16k') {
    samples = renderPieceSamples({ seconds, sampleRateHz: SAMPLE_RATE_HZ });
  } else {
    wav = renderPieceWav({ seconds });
    samples = (await decodeAudio(wav)).samples;
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
      rss_before_spectrogram_mb: Math.round(beforeSpectrogram / 2 ** 20),
      peak_rss_after_spectrogram_mb: Math.round(afterSpectrogram / 1024),
      spectrogram_mb: Math.round(spectrogram.data.byteLength / 2 ** 20),
      onsets: onsets.length,
      wav_mb: wav ? Math.round(wav.byteLength / 2 ** 20) : 0,
    }) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
