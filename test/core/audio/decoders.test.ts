import { decodeCompressedToMono, type CompressedCodec } from '../../../core/audio/decoders';
import { AudioError } from '../../../core/audio';
import { fixture } from './helpers';

const FILES: [CompressedCodec, string][] = [
  ['mp3', 'sine-440hz-44100-stereo.mp3'],
  ['mp3', 'sine-1000hz-22050-mono-bare.mp3'],
  ['flac', 'sine-262hz-48000-mono.flac'],
  ['ogg-vorbis', 'sine-440hz-44100-stereo.ogg'],
  ['ogg-opus', 'sine-2093hz-48000-stereo.opus'],
];

describe('decodeCompressedToMono', () => {
  it.each(FILES)('%s %s: feeding 777-byte pieces gives exactly what one piece gives', async (codec, file) => {
    const bytes = fixture(file);
    const whole = await decodeCompressedToMono(codec, bytes, { chunkBytes: bytes.length });
    const pieces = await decodeCompressedToMono(codec, bytes, { chunkBytes: 777, expectedFrames: 10 });
    expect(whole.mono.length).toBeGreaterThan(0);
    expect(pieces.sampleRateHz).toBe(whole.sampleRateHz);
    expect(pieces.mono.length).toBe(whole.mono.length);
    expect(pieces.mono).toEqual(whole.mono);
  });

  it('stops with AUDIO_TOO_LONG as soon as the decoded length passes maxSeconds', async () => {
    const outcome = await decodeCompressedToMono('ogg-vorbis', fixture('sine-440hz-44100-stereo.ogg'), {
      chunkBytes: 500,
      maxSeconds: 0.2,
    }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(AudioError);
    expect((outcome as AudioError).code).toBe('AUDIO_TOO_LONG');
  });
});
