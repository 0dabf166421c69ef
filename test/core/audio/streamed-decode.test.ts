import { AudioError, decodeAudio, decodeSourceAudio, resample } from '../../../core/audio';
import { parseWavHeader, readWavMono, readWavMonoInto } from '../../../core/audio/wav';
import { SAMPLE_RATE_HZ } from '../../../core/params';
import { sine, writeWav, type WavSpec } from './helpers';
import { resampleReference } from './resample-reference';

/** A chord-like signal with partials up to 7 kHz, 2.5 s: several of the resampler's 16 384-sample blocks. */
function music(rateHz: number, seconds = 2.5): Float64Array {
  const out = new Float64Array(Math.round(rateHz * seconds));
  for (const [hz, gain] of [[110, 0.3], [440, 0.2], [1319, 0.15], [4186, 0.1], [7040, 0.05]] as const) {
    if (hz >= rateHz / 2) continue;
    const partial = sine(hz, rateHz, out.length, gain);
    for (let i = 0; i < out.length; i++) out[i]! += partial[i]!;
  }
  return out;
}

/** Places `bytes` at `offset` inside a larger buffer, as Node's pooled Buffers do. */
function atOffset(bytes: Uint8Array, offset: number): Uint8Array {
  const pool = new Uint8Array(bytes.length + offset + 5).fill(0xaa);
  pool.set(bytes, offset);
  return pool.subarray(offset, offset + bytes.length);
}

const specs: [string, WavSpec, number][] = [
  ['16-bit mono 44.1 kHz', { rateHz: 44_100, channels: 1, encoding: 'pcm', bits: 16 }, 0],
  ['16-bit mono 44.1 kHz at an odd offset', { rateHz: 44_100, channels: 1, encoding: 'pcm', bits: 16 }, 3],
  ['16-bit stereo 48 kHz', { rateHz: 48_000, channels: 2, encoding: 'pcm', bits: 16 }, 0],
  ['16-bit stereo 48 kHz at an odd offset', { rateHz: 48_000, channels: 2, encoding: 'pcm', bits: 16 }, 1],
  ['8-bit mono 8 kHz (up-sampled)', { rateHz: 8_000, channels: 1, encoding: 'pcm', bits: 8 }, 0],
  ['24-bit stereo 96 kHz', { rateHz: 96_000, channels: 2, encoding: 'pcm', bits: 24 }, 0],
  ['32-bit PCM 3 channels 22.05 kHz', { rateHz: 22_050, channels: 3, encoding: 'pcm', bits: 32 }, 0],
  ['32-bit float stereo 44.101 kHz (no small common divisor)', { rateHz: 44_101, channels: 2, encoding: 'float', bits: 32 }, 0],
  ['64-bit float mono 16 kHz (no resampling)', { rateHz: 16_000, channels: 1, encoding: 'float', bits: 64 }, 0],
];

describe('decodeAudio: WAV streamed through the resampler', () => {
  it.each(specs)('%s: the reference resampling of the full-rate mono within 1e-5', async (_name, spec, offset) => {
    const bytes = atOffset(writeWav(spec, music(spec.rateHz)), offset);
    const decoded = await decodeAudio(bytes);
    const { mono } = readWavMono(bytes, parseWavHeader(bytes));
    const expected = resampleReference(mono, spec.rateHz, SAMPLE_RATE_HZ);
    expect(decoded.samples.length).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(decoded.samples[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-5);
    // And bit for bit what the two-step path (decodeSourceAudio, then resample) gives.
    const source = await decodeSourceAudio(bytes);
    expect(Array.from(decoded.samples)).toEqual(Array.from(resample(source.mono, spec.rateHz)));
    expect(decoded.durationSeconds).toBe(source.durationSeconds);
    expect(decoded.source).toEqual(source.source);
  });

  it('finds the peak for the silence check in any block, the last one included', async () => {
    const spec: WavSpec = { rateHz: 44_100, channels: 1, encoding: 'pcm', bits: 16 };
    const signal = new Float64Array(100_000);
    signal[99_999] = 0.5;
    const decoded = await decodeAudio(writeWav(spec, signal));
    expect(decoded.samples.length).toBe(Math.ceil((100_000 * 16_000) / 44_100));
  });

  it.each([
    ['all zeros', 'SILENT_AUDIO', new Float64Array(50_000)],
    ['two LSB of noise', 'SILENT_AUDIO', Float64Array.from({ length: 50_000 }, (_, i) => (i % 3) / 32767)],
  ] as const)('%s: %s from both paths, with the same message', async (_name, code, signal) => {
    const bytes = writeWav({ rateHz: 44_100, channels: 2, encoding: 'pcm', bits: 16 }, signal);
    const streamed = await decodeAudio(bytes).catch((error: unknown) => error);
    const whole = await decodeSourceAudio(bytes).catch((error: unknown) => error);
    expect(streamed).toBeInstanceOf(AudioError);
    expect((streamed as AudioError).code).toBe(code);
    expect((streamed as AudioError).message).toBe((whole as AudioError).message);
  });

  it('rejects a NaN in the last block of a float file as CORRUPT_AUDIO, like the whole-file path', async () => {
    const signal = music(44_100);
    signal[signal.length - 10] = Number.NaN;
    const bytes = writeWav({ rateHz: 44_100, channels: 1, encoding: 'float', bits: 32 }, signal);
    const message = 'wav: float samples include NaN or infinity';
    await expect(decodeAudio(bytes)).rejects.toMatchObject({ code: 'CORRUPT_AUDIO', message });
    await expect(decodeSourceAudio(bytes)).rejects.toMatchObject({ code: 'CORRUPT_AUDIO' });
  });
});

describe('readWavMonoInto', () => {
  it.each(specs)('%s: blocks of any size give readWavMono’s samples and peak', (_name, spec, offset) => {
    const bytes = atOffset(writeWav(spec, music(spec.rateHz, 0.2)), offset);
    const header = parseWavHeader(bytes);
    const whole = readWavMono(bytes, header);
    for (const block of [1, 7, 1000, header.frames]) {
      const mono = new Float32Array(header.frames);
      let peak = 0;
      for (let first = 0; first < header.frames; first += block) {
        peak = Math.max(peak, readWavMonoInto(bytes, header, first, mono.subarray(first, first + block)));
      }
      expect(peak).toBe(whole.peak);
      expect(Array.from(mono)).toEqual(Array.from(whole.mono));
    }
  });

  it('refuses frames outside the data chunk', () => {
    const bytes = writeWav({ rateHz: 16_000, channels: 1, encoding: 'pcm', bits: 16 }, new Float64Array(10));
    const header = parseWavHeader(bytes);
    expect(() => readWavMonoInto(bytes, header, 5, new Float32Array(6))).toThrow(RangeError);
    expect(() => readWavMonoInto(bytes, header, -1, new Float32Array(1))).toThrow(RangeError);
  });
});
