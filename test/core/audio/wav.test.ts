import { decodeAudio } from '../../../core/audio';
import { SAMPLE_RATE_HZ } from '../../../core/params';
import { levelDb, sine, writeWav, zeroCrossingHz, type WavSpec } from './helpers';

const HZ = 440;

const variants: [string, WavSpec][] = [
  ['8-bit PCM mono 8 kHz', { rateHz: 8000, channels: 1, encoding: 'pcm', bits: 8 }],
  ['16-bit PCM stereo 44.1 kHz', { rateHz: 44100, channels: 2, encoding: 'pcm', bits: 16 }],
  ['16-bit PCM mono 11.025 kHz', { rateHz: 11025, channels: 1, encoding: 'pcm', bits: 16 }],
  ['16-bit PCM mono 16 kHz (no resampling)', { rateHz: 16000, channels: 1, encoding: 'pcm', bits: 16 }],
  ['24-bit PCM stereo 48 kHz', { rateHz: 48000, channels: 2, encoding: 'pcm', bits: 24 }],
  ['32-bit PCM mono 96 kHz', { rateHz: 96000, channels: 1, encoding: 'pcm', bits: 32 }],
  ['32-bit float stereo 22.05 kHz', { rateHz: 22050, channels: 2, encoding: 'float', bits: 32 }],
  ['64-bit float mono 192 kHz', { rateHz: 192000, channels: 1, encoding: 'float', bits: 64 }],
  ['extensible 16-bit PCM 6 channels 48 kHz', { rateHz: 48000, channels: 6, encoding: 'pcm', bits: 16, extensible: { validBits: 16 } }],
  ['extensible 20-bit in 24 PCM stereo 88.2 kHz', { rateHz: 88200, channels: 2, encoding: 'pcm', bits: 24, extensible: { validBits: 20 } }],
  ['extensible 32-bit float 4 channels 32 kHz', { rateHz: 32000, channels: 4, encoding: 'float', bits: 32, extensible: { validBits: 32 } }],
  ['16-bit PCM 3 channels 44.1 kHz', { rateHz: 44100, channels: 3, encoding: 'pcm', bits: 16 }],
];

describe('decodeAudio: WAV variants', () => {
  it.each(variants)('%s decodes to the right duration, pitch and level at 16 kHz', async (_name, spec) => {
    const frames = Math.round(spec.rateHz * 0.75);
    const decoded = await decodeAudio(writeWav(spec, sine(HZ, spec.rateHz, frames)));

    expect(decoded.source).toEqual({ format: 'wav', sampleRateHz: spec.rateHz, channels: spec.channels });
    expect(decoded.durationSeconds).toBe(frames / spec.rateHz);
    expect(decoded.samples.length).toBe(Math.ceil((frames * SAMPLE_RATE_HZ) / spec.rateHz));
    // Skip the filter's edges (its half-length is under 2 ms at every rate).
    const from = 0.05 * SAMPLE_RATE_HZ;
    const to = decoded.samples.length - from;
    expect(zeroCrossingHz(decoded.samples, SAMPLE_RATE_HZ, from, to)).toBeCloseTo(HZ, 1);
    // Channel c is the sine at 1/(c+1): the mean of 1, 1/2, …, 1/n times 0.5 amplitude.
    let mean = 0;
    for (let c = 0; c < spec.channels; c++) mean += 1 / (c + 1) / spec.channels;
    const expectedDb = 20 * Math.log10(0.5 * mean);
    expect(Math.abs(levelDb(decoded.samples, from, to) - expectedDb)).toBeLessThan(spec.bits === 8 ? 0.1 : 0.01);
  });

  it('reads 16-bit samples exactly: full scale, zero and the most negative value', async () => {
    const signal = Float64Array.from([0, 32767 / 32767, -1, 0.5, -0.5]);
    const bytes = writeWav({ rateHz: 16000, channels: 1, encoding: 'pcm', bits: 16 }, signal);
    // ±0.5 round to 16384 and −16383; −1 writes as −32767, so put −32768 in by hand to check sign extension.
    bytes.set([0x00, 0x80], bytes.length - 6);
    const decoded = await decodeAudio(bytes);
    expect(Array.from(decoded.samples)).toEqual([0, 32767 / 32768, -1, 16384 / 32768, -16383 / 32768]);
  });

  it('averages channels into mono', async () => {
    // Left +0.5, right −0.25: the mean is 0.125 (writeWav scales channel 1 by 1/2, so pass 0.5 and −0.5 ⇒ 0.5, −0.25).
    const bytes = writeWav({ rateHz: 16000, channels: 2, encoding: 'float', bits: 32 }, Float64Array.from([0.5, -0.5]));
    const decoded = await decodeAudio(bytes);
    expect(Array.from(decoded.samples)).toEqual([0.375, -0.375]);
  });
});

describe('decodeAudio: WAV leniencies', () => {
  const spec: WavSpec = { rateHz: 16_000, channels: 1, encoding: 'pcm', bits: 16 };
  const wav = writeWav(spec, sine(HZ, 16_000, 1600));
  const DATA_SIZE = 66; // writeWav's data chunk size field
  const patched = (edit: (view: DataView) => void): Uint8Array => {
    const copy = wav.slice();
    edit(new DataView(copy.buffer));
    return copy;
  };

  it.each([
    ['RIFF and data sizes 0xFFFFFFFF (streamed)', patched((v) => (v.setUint32(4, 0xffff_ffff, true), v.setUint32(DATA_SIZE, 0xffff_ffff, true)))],
    ['RIFF and data sizes 0 (streamed)', patched((v) => (v.setUint32(4, 0, true), v.setUint32(DATA_SIZE, 0, true)))],
    ['a wrong byte-rate field', patched((v) => v.setUint32(28, 12345, true))],
  ])('accepts %s', async (_name, bytes) => {
    const decoded = await decodeAudio(bytes);
    expect(decoded.durationSeconds).toBe(0.1);
    expect(Array.from(decoded.samples)).toEqual(Array.from((await decodeAudio(wav)).samples));
  });

  it('ignores bytes after the RIFF form', async () => {
    const trailing = new Uint8Array(wav.length + 7);
    trailing.set(wav);
    trailing.set([1, 2, 3, 4, 5, 6, 7], wav.length);
    expect((await decodeAudio(trailing)).samples.length).toBe(1600);
  });
});

describe('decodeAudio: input views', () => {
  it('reads a file that sits at an odd offset inside a larger buffer (as Node Buffers from a pool do)', async () => {
    const wav = writeWav({ rateHz: 16_000, channels: 2, encoding: 'float', bits: 32 }, sine(HZ, 16_000, 160));
    const pool = Buffer.alloc(wav.length + 13, 0xaa);
    pool.set(wav, 7);
    const view = pool.subarray(7, 7 + wav.length);
    expect(Array.from((await decodeAudio(view)).samples)).toEqual(Array.from((await decodeAudio(wav)).samples));
  });
});
