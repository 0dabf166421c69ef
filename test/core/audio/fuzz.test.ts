import { AudioError, decodeAudio } from '../../../core/audio';
import { fixture, pseudoRandomBytes, sine, writeWav } from './helpers';

// Damaged frames make the wasm decoders print to stderr; expected here.
beforeAll(() => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterAll(() => jest.restoreAllMocks());

const SOURCES: [string, Uint8Array][] = [
  ['wav', writeWav({ rateHz: 22_050, channels: 2, encoding: 'pcm', bits: 16 }, sine(440, 22_050, 2205))],
  ['mp3', fixture('sine-440hz-44100-stereo.mp3')],
  ['mp3 bare', fixture('sine-1000hz-22050-mono-bare.mp3')],
  ['flac', fixture('sine-262hz-48000-mono.flac')],
  ['vorbis', fixture('sine-440hz-44100-stereo.ogg')],
  ['opus', fixture('sine-2093hz-48000-stereo.opus')],
];
const MUTANTS_PER_SOURCE = 40;

/** Mutant k of `bytes`: k flips 1–8 random bytes, cuts at a random point, or splices in random bytes, in turn. */
function mutant(bytes: Uint8Array, k: number): Uint8Array {
  const r = pseudoRandomBytes(64, 1000 + k);
  const at = (i: number): number => (((r[i] as number) << 16) | ((r[i + 1] as number) << 8) | (r[i + 2] as number)) % bytes.length;
  switch (k % 3) {
    case 0: {
      const copy = bytes.slice();
      for (let i = 0; i <= (r[0] as number) % 8; i++) copy[at(1 + 3 * i)] = r[40 + i] as number;
      return copy;
    }
    case 1:
      return bytes.slice(0, at(1));
    default: {
      const cut = at(1);
      const junk = pseudoRandomBytes(1 + ((r[4] as number) % 200), 2000 + k);
      const copy = new Uint8Array(bytes.length + junk.length);
      copy.set(bytes.subarray(0, cut));
      copy.set(junk, cut);
      copy.set(bytes.subarray(cut), cut + junk.length);
      return copy;
    }
  }
}

describe('decodeAudio: damaged files', () => {
  it.each(SOURCES)('%s: every mutant decodes to finite samples or rejects with an AudioError', async (_name, bytes) => {
    const outcomes = new Map<string, number>();
    for (let k = 0; k < MUTANTS_PER_SOURCE; k++) {
      const outcome = await decodeAudio(mutant(bytes, k)).then(
        (decoded) => {
          // Decoded samples are clamped to ±1; on worst-case (full-band, clipped) input the resampler's output is
          // bounded by the sum of its taps' magnitudes, which is below 2.
          expect(decoded.samples.every((v) => Number.isFinite(v) && Math.abs(v) < 2)).toBe(true);
          return 'decoded';
        },
        (error: unknown) => {
          if (!(error instanceof AudioError)) throw error;
          return error.code;
        },
      );
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // Most mutants must be caught: a decoder that accepted everything would pass the loop above.
    expect(outcomes.get('decoded') ?? 0).toBeLessThan(MUTANTS_PER_SOURCE);
  });
});
