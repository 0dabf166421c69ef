/**
 * Stop-gap for `notescribe features` while that command is being written: the same core calls (decodeAudio →
 * computeSpectrogram → detectOnsets → encodeFeatureFile), so the features are the engine's. reproduce.sh prefers the
 * CLI and only falls back to this. Usage: tsx training/features-bridge.ts -o DIR AUDIO...
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decodeAudio } from '../core/audio';
import { computeSpectrogram } from '../core/spectrogram';
import { detectOnsets } from '../core/onsets';
import { encodeFeatureFile } from '../core/features';

async function main(argv: string[]): Promise<void> {
  const o = argv.indexOf('-o');
  if (o < 0 || argv[o + 1] === undefined) throw new Error('usage: features-bridge -o DIR AUDIO...');
  const outDir = argv[o + 1]!;
  const inputs = argv.filter((_, i) => i !== o && i !== o + 1);
  mkdirSync(outDir, { recursive: true });
  for (const input of inputs) {
    const bytes = new Uint8Array(readFileSync(input));
    const audio = await decodeAudio(bytes);
    const spectrogram = computeSpectrogram(audio.samples);
    const onsetFrames = detectOnsets(spectrogram);
    const file = encodeFeatureFile(
      { spectrogram, onsetFrames, durationSeconds: audio.durationSeconds, source: audio.source },
      { sourceName: basename(input) },
    );
    writeFileSync(join(outDir, basename(input).replace(/\.[^.]+$/, '') + '.nsf'), file);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
