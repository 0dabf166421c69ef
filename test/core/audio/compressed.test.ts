import { decodeAudio } from '../../../core/audio';
import { SAMPLE_RATE_HZ } from '../../../core/params';
import { fixture, levelDb, zeroCrossingHz } from './helpers';

// Made by test/fixtures/audio/make-fixtures.sh: sines at −6 dBFS (amplitude 0.5), same signal in both channels.
const cases = [
  // file, format, source rate, channels, pitch Hz, duration s, duration tolerance s
  ['sine-440hz-44100-stereo.mp3', 'mp3', 44_100, 2, 440, 1, 0],
  // No Xing/LAME header, so no gapless information: mpg123 keeps the encoder's delay and padding.
  ['sine-1000hz-22050-mono-bare.mp3', 'mp3', 22_050, 1, 1000, 1, 0.1],
  ['sine-262hz-48000-mono.flac', 'flac', 48_000, 1, 261.63, 0.5, 0],
  ['sine-440hz-44100-stereo.ogg', 'ogg-vorbis', 44_100, 2, 440, 1, 0],
  ['sine-2093hz-48000-stereo.opus', 'ogg-opus', 48_000, 2, 2093, 1, 0],
] as const;

describe('decodeAudio: compressed formats', () => {
  it.each(cases)('%s: %s, %d Hz, %d channel(s), %d Hz sine, %d s', async (file, format, rate, channels, hz, seconds, tolerance) => {
    const decoded = await decodeAudio(fixture(file));

    expect(decoded.source).toEqual({ format, sampleRateHz: rate, channels });
    expect(Math.abs(decoded.durationSeconds - seconds)).toBeLessThanOrEqual(tolerance + 1e-9);
    expect(decoded.samples.length).toBe(Math.ceil(decoded.durationSeconds * SAMPLE_RATE_HZ - 1e-6));
    // Skip codec warm-up and fade-out at the ends.
    const from = 0.1 * SAMPLE_RATE_HZ;
    const to = decoded.samples.length - from;
    expect(Math.abs(zeroCrossingHz(decoded.samples, SAMPLE_RATE_HZ, from, to) / hz - 1)).toBeLessThan(0.002);
    // −6 dBFS in, −6 dBFS out, give or take what a lossy codec does to a sine.
    expect(Math.abs(levelDb(decoded.samples, from, to) - 20 * Math.log10(0.5))).toBeLessThan(0.5);
  });

  it('keeps the short silent last frame ffmpeg writes at the end of a FLAC stream', async () => {
    // 16,000 samples of tone + 1,407 of silence; the last frame holds 127 samples in 12 bytes.
    const decoded = await decodeAudio(fixture('sine-440hz-16000-mono-silent-tail.flac'));
    expect(decoded.source).toEqual({ format: 'flac', sampleRateHz: 16_000, channels: 1 });
    expect(decoded.samples.length).toBe(17_407);
    expect(Math.abs(levelDb(decoded.samples, 1_000, 15_000) - 20 * Math.log10(0.5))).toBeLessThan(0.5);
    expect(levelDb(decoded.samples, 16_100, 17_407)).toBeLessThan(-60);
  });

  it('decodes a file whose ID3v2 tag is followed by zero padding', async () => {
    const bare = fixture('sine-1000hz-22050-mono-bare.mp3');
    const tag = new Uint8Array(10 + 20 + 64);
    tag.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 20]);
    const padded = new Uint8Array(tag.length + bare.length);
    padded.set(tag);
    padded.set(bare, tag.length);
    const decoded = await decodeAudio(padded);
    expect(decoded.source).toEqual({ format: 'mp3', sampleRateHz: 22_050, channels: 1 });
    expect(decoded.durationSeconds).toBe((await decodeAudio(bare)).durationSeconds);
  });
});
