import { AudioError, decodeAudio, type AudioErrorCode } from '../../../core/audio';
import { NotescribeError } from '../../../core/errors';
import { fixture, pseudoRandomBytes, sine, writeWav } from './helpers';

// The wasm decoders print to stderr when they meet damaged frames; that is expected here, not a test failure.
beforeAll(() => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterAll(() => jest.restoreAllMocks());

const WAV = writeWav({ rateHz: 44_100, channels: 2, encoding: 'pcm', bits: 16 }, sine(440, 44_100, 4410));
// Offsets in writeWav's layout: fmt body at 20, LIST chunk at 36, data chunk header at 62, samples from 70.
const FMT = 20;
const DATA = 62;
const MP3 = fixture('sine-440hz-44100-stereo.mp3'); // 45-byte ID3v2 tag, then an Info frame and audio frames
const MP3_BARE = fixture('sine-1000hz-22050-mono-bare.mp3'); // frames from byte 0
const FLAC = fixture('sine-262hz-48000-mono.flac'); // STREAMINFO at 4, VORBIS_COMMENT at 42, PADDING at 92, audio at 8288
const FLAC_AUDIO = 8288;
const VORBIS = fixture('sine-440hz-44100-stereo.ogg'); // pages at 0, 58 and 3928 (end of stream)
const OPUS = fixture('sine-2093hz-48000-stereo.opus'); // pages at 0, 47, 137 and 6525 (end of stream)

function patched(bytes: Uint8Array, edit: (view: DataView, copy: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(new DataView(copy.buffer), copy);
  return copy;
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Recomputes the CRC of the Ogg page at `offset` (bit by bit, independently of the table in core/audio/ogg.ts). */
function fixOggCrc(bytes: Uint8Array, offset: number): Uint8Array {
  const segments = bytes[offset + 26] as number;
  let end = offset + 27 + segments;
  for (let i = 0; i < segments; i++) end += bytes[offset + 27 + i] as number;
  bytes.fill(0, offset + 22, offset + 26);
  let crc = 0;
  for (let i = offset; i < end; i++) {
    crc ^= (bytes[i] as number) << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000_0000 ? (crc << 1) ^ 0x04c1_1db7 : crc << 1;
  }
  new DataView(bytes.buffer).setUint32(offset + 22, crc >>> 0, true);
  return bytes;
}

function floatWav(values: number[]): Uint8Array {
  return writeWav({ rateHz: 16_000, channels: 1, encoding: 'float', bits: 32 }, Float64Array.from(values));
}

type Case = [name: string, bytes: Uint8Array, code: AudioErrorCode, options?: { maxSeconds?: number; maxBytes?: number }];

const cases: Case[] = [
  // Nothing, or not audio at all.
  ['zero-length input', new Uint8Array(0), 'EMPTY_AUDIO'],
  ...[1, 2, 3, 4, 5].map((seed): Case => [`1000 random bytes, seed ${seed}`, pseudoRandomBytes(1000, seed), 'UNSUPPORTED_FORMAT']),
  ['plain text', text('hello, this is not audio'), 'UNSUPPORTED_FORMAT'],
  ['a MIDI file', concat(text('MThd'), new Uint8Array([0, 0, 0, 6, 0, 0, 0, 1, 0, 96])), 'UNSUPPORTED_FORMAT'],
  ['an MP4 header', concat(new Uint8Array([0, 0, 0, 24]), text('ftypM4A ')), 'UNSUPPORTED_FORMAT'],
  ['an AIFF header', text('FORM\0\0\0\x40AIFFCOMM'), 'UNSUPPORTED_FORMAT'],
  ['a RIFF AVI header', text('RIFF\x04\0\0\0AVI LIST'), 'UNSUPPORTED_FORMAT'],
  ['a big-endian RIFX WAV', patched(WAV, (_v, c) => c.set(text('RIFX'), 0)), 'UNSUPPORTED_FORMAT'],
  ['FLAC in Ogg', fixture('unsupported-flac-in-ogg.oga'), 'UNSUPPORTED_FORMAT'],

  // Limits.
  ['WAV over maxBytes', WAV, 'INPUT_TOO_LARGE', { maxBytes: 100 }],
  ...[MP3, FLAC, VORBIS, OPUS].map((b, i): Case => [`compressed fixture ${i} over maxBytes`, b, 'INPUT_TOO_LARGE', { maxBytes: 1000 }]),
  ['WAV of 0.1 s over maxSeconds 0.05', WAV, 'AUDIO_TOO_LONG', { maxSeconds: 0.05 }],
  ['MP3 of 1 s over maxSeconds 0.5', MP3, 'AUDIO_TOO_LONG', { maxSeconds: 0.5 }],
  ['bare MP3 of 1 s over maxSeconds 0.5', MP3_BARE, 'AUDIO_TOO_LONG', { maxSeconds: 0.5 }],
  ['FLAC of 0.5 s over maxSeconds 0.25', FLAC, 'AUDIO_TOO_LONG', { maxSeconds: 0.25 }],
  ['Vorbis of 1 s over maxSeconds 0.5', VORBIS, 'AUDIO_TOO_LONG', { maxSeconds: 0.5 }],
  ['Opus of 1 s over maxSeconds 0.5', OPUS, 'AUDIO_TOO_LONG', { maxSeconds: 0.5 }],

  // Silence.
  ['16-bit digital silence', writeWav({ rateHz: 16_000, channels: 2, encoding: 'pcm', bits: 16 }, new Float64Array(1600)), 'SILENT_AUDIO'],
  [
    '16-bit ±1 LSB dither',
    writeWav({ rateHz: 16_000, channels: 1, encoding: 'pcm', bits: 16 }, Float64Array.from({ length: 1600 }, (_, i) => ((i % 3) - 1) / 32767)),
    'SILENT_AUDIO',
  ],
  ['8-bit silence (all 128)', writeWav({ rateHz: 8_000, channels: 1, encoding: 'pcm', bits: 8 }, new Float64Array(800)), 'SILENT_AUDIO'],
  ['float sine at −100 dBFS', floatWav(Array.from(sine(440, 16_000, 1600, 1e-5))), 'SILENT_AUDIO'],

  // WAV cut off at many points: every one is TRUNCATED_AUDIO because the RIFF size promises more.
  ['WAV cut to 3 bytes ("RIF")', WAV.subarray(0, 3), 'UNSUPPORTED_FORMAT'],
  ...[4, 8, 11, 12, 16, 30, 40, 62, 66, 70, 71, 1000, WAV.length - 1].map(
    (cut): Case => [`WAV cut at byte ${cut}`, WAV.subarray(0, cut), 'TRUNCATED_AUDIO'],
  ),

  // WAV headers that lie.
  ['WAV RIFF size larger than the file', patched(WAV, (v) => v.setUint32(4, WAV.length + 100, true)), 'TRUNCATED_AUDIO'],
  ['WAV RIFF size 4 (no room for chunks)', patched(WAV, (v) => v.setUint32(4, 4, true)), 'CORRUPT_AUDIO'],
  ['WAV data size larger than the file', patched(WAV, (v) => v.setUint32(DATA + 4, 20_000, true)), 'TRUNCATED_AUDIO'],
  ['WAV data size not whole frames', patched(WAV, (v) => v.setUint32(DATA + 4, 17_639, true)), 'CORRUPT_AUDIO'],
  ['WAV data size 0', patched(WAV, (v) => v.setUint32(DATA + 4, 0, true)), 'EMPTY_AUDIO'],
  ['WAV LIST chunk size past the end', patched(WAV, (v) => v.setUint32(40, 1_000_000, true)), 'TRUNCATED_AUDIO'],
  ['WAV zero channels', patched(WAV, (v) => v.setUint16(FMT + 2, 0, true)), 'CORRUPT_AUDIO'],
  ['WAV 65 channels', patched(WAV, (v) => v.setUint16(FMT + 2, 65, true)), 'CORRUPT_AUDIO'],
  ['WAV 3 channels with a stereo block align', patched(WAV, (v) => v.setUint16(FMT + 2, 3, true)), 'CORRUPT_AUDIO'],
  ['WAV sample rate 0', patched(WAV, (v) => v.setUint32(FMT + 4, 0, true)), 'CORRUPT_AUDIO'],
  ['WAV sample rate 4 294 967 295 Hz', patched(WAV, (v) => v.setUint32(FMT + 4, 0xffff_ffff, true)), 'CORRUPT_AUDIO'],
  ['WAV sample rate 4 kHz (below 8 kHz)', patched(WAV, (v) => v.setUint32(FMT + 4, 4000, true)), 'UNSUPPORTED_FORMAT'],
  ['WAV sample rate 384 kHz (above 192 kHz)', patched(WAV, (v) => v.setUint32(FMT + 4, 384_000, true)), 'UNSUPPORTED_FORMAT'],
  ['WAV 7 bits per sample', patched(WAV, (v) => v.setUint16(FMT + 14, 7, true)), 'CORRUPT_AUDIO'],
  ['WAV 12 bits per sample (not EXTENSIBLE)', patched(WAV, (v) => v.setUint16(FMT + 14, 12, true)), 'CORRUPT_AUDIO'],
  ['WAV 0 bits per sample', patched(WAV, (v) => v.setUint16(FMT + 14, 0, true)), 'CORRUPT_AUDIO'],
  ['WAV 48-bit PCM', patched(WAV, (v) => v.setUint16(FMT + 14, 48, true)), 'UNSUPPORTED_FORMAT'],
  ['WAV 16-bit IEEE float', patched(WAV, (v) => v.setUint16(FMT, 3, true)), 'UNSUPPORTED_FORMAT'],
  ['WAV ADPCM (format tag 2)', patched(WAV, (v) => v.setUint16(FMT, 2, true)), 'UNSUPPORTED_FORMAT'],
  ['WAV block align 3 for 16-bit stereo', patched(WAV, (v) => v.setUint16(FMT + 12, 3, true)), 'CORRUPT_AUDIO'],
  ['WAV fmt chunk of 8 bytes', patched(WAV, (v) => v.setUint32(16, 8, true)), 'CORRUPT_AUDIO'],
  ['WAV with no fmt chunk before data', patched(WAV, (_v, c) => c.set(text('junk'), 12)), 'CORRUPT_AUDIO'],
  ['WAV with no data chunk', patched(WAV, (_v, c) => c.set(text('dat_'), DATA)), 'EMPTY_AUDIO'],
  ['WAV EXTENSIBLE tag in a 16-byte fmt chunk', patched(WAV, (v) => v.setUint16(FMT, 0xfffe, true)), 'CORRUPT_AUDIO'],
  [
    'WAV EXTENSIBLE with a non-audio sub-format GUID',
    patched(writeWav({ rateHz: 16_000, channels: 1, encoding: 'pcm', bits: 16, extensible: { validBits: 16 } }, sine(440, 16_000, 160)), (_v, c) => {
      c[46 + 5] = 0x11;
    }),
    'UNSUPPORTED_FORMAT',
  ],
  [
    'WAV EXTENSIBLE with 30 valid bits in a 24-bit container',
    writeWav({ rateHz: 16_000, channels: 1, encoding: 'pcm', bits: 24, extensible: { validBits: 30 } }, sine(440, 16_000, 160)),
    'CORRUPT_AUDIO',
  ],
  ['WAV float samples with a NaN', floatWav([0.5, Number.NaN, -0.5]), 'CORRUPT_AUDIO'],
  ['WAV float samples with an infinity', floatWav([0.5, Number.POSITIVE_INFINITY]), 'CORRUPT_AUDIO'],

  // MP3 cut off, and MP3 that is not.
  ...[3, 9].map((cut): Case => [`MP3 cut at byte ${cut} (inside the ID3v2 header)`, MP3.subarray(0, cut), 'TRUNCATED_AUDIO']),
  ['MP3 cut at byte 30 (inside the ID3v2 tag)', MP3.subarray(0, 30), 'TRUNCATED_AUDIO'],
  ['MP3 cut at byte 45 (a tag and no audio)', MP3.subarray(0, 45), 'EMPTY_AUDIO'],
  ...[47, 100, 1000, 4000, MP3.length - 1].map(
    (cut): Case => [`MP3 cut at byte ${cut} (inside a frame)`, MP3.subarray(0, cut), 'TRUNCATED_AUDIO'],
  ),
  ['bare MP3 cut at byte 2', MP3_BARE.subarray(0, 2), 'UNSUPPORTED_FORMAT'],
  ...[50, 500, MP3_BARE.length - 1].map((cut): Case => [`bare MP3 cut at byte ${cut}`, MP3_BARE.subarray(0, cut), 'TRUNCATED_AUDIO']),
  ['ID3v2 tag followed by random bytes', concat(MP3.subarray(0, 45), pseudoRandomBytes(4000, 7)), 'CORRUPT_AUDIO'],
  ['one MPEG frame header followed by random bytes', concat(MP3_BARE.subarray(0, 4), pseudoRandomBytes(4000, 8)), 'CORRUPT_AUDIO'],
  ['MP3 whose second half is random bytes', concat(MP3.subarray(0, 4000), pseudoRandomBytes(4612, 9)), 'CORRUPT_AUDIO'],

  // FLAC cut off, and FLAC headers that lie.
  ...[4, 8, 20, 41, 42, 50, 100, 5000, FLAC_AUDIO].map(
    (cut): Case => [`FLAC cut at byte ${cut} (inside the metadata)`, FLAC.subarray(0, cut), 'TRUNCATED_AUDIO'],
  ),
  ...[FLAC_AUDIO + 1, FLAC_AUDIO + 10, FLAC_AUDIO + 1000, 12_000, FLAC.length - 1].map(
    (cut): Case => [`FLAC cut at byte ${cut} (inside the audio)`, FLAC.subarray(0, cut), 'TRUNCATED_AUDIO'],
  ),
  ['FLAC STREAMINFO sample rate 0', patched(FLAC, (_v, c) => c.set([0, 0, (c[20] as number) & 0x0f], 18)), 'CORRUPT_AUDIO'],
  ['FLAC STREAMINFO sample rate 4 kHz', patched(FLAC, (_v, c) => c.set([0x00, 0xfa, 0x00 | ((c[20] as number) & 0x0f)], 18)), 'UNSUPPORTED_FORMAT'],
  ['FLAC STREAMINFO total samples doubled', patched(FLAC, (v) => v.setUint32(22, 48_000)), 'TRUNCATED_AUDIO'],
  ['FLAC whose first block is not STREAMINFO', patched(FLAC, (_v, c) => c.set([0x01], 4)), 'CORRUPT_AUDIO'],
  ['FLAC metadata block of the invalid type 127', patched(FLAC, (_v, c) => c.set([0x7f], 42)), 'CORRUPT_AUDIO'],
  ['FLAC metadata followed by random bytes', concat(FLAC.subarray(0, FLAC_AUDIO), pseudoRandomBytes(4000, 10)), 'CORRUPT_AUDIO'],
  ['FLAC with 50 bytes overwritten mid-stream', patched(FLAC, (_v, c) => c.fill(0x55, 10_000, 10_050)), 'CORRUPT_AUDIO'],
  ['FLAC with one bit flipped in frame 2', patched(FLAC, (_v, c) => c.set([(c[12_000] as number) ^ 0x10], 12_000)), 'CORRUPT_AUDIO'],
  ['"fLaC" and nothing else', text('fLaC'), 'TRUNCATED_AUDIO'],

  // Ogg cut off, and Ogg that lies.
  ['Ogg cut at byte 3 ("Ogg")', VORBIS.subarray(0, 3), 'UNSUPPORTED_FORMAT'],
  ...[4, 20, 27, 28, 57, 58, 100, 3928, 5000, VORBIS.length - 1].map(
    (cut): Case => [`Ogg Vorbis cut at byte ${cut}`, VORBIS.subarray(0, cut), 'TRUNCATED_AUDIO'],
  ),
  ...[47, 137, 3000, OPUS.length - 1].map((cut): Case => [`Ogg Opus cut at byte ${cut}`, OPUS.subarray(0, cut), 'TRUNCATED_AUDIO']),
  ['Ogg Vorbis with a byte changed (CRC fails)', patched(VORBIS, (_v, c) => c.set([(c[5000] as number) ^ 0xff], 5000)), 'CORRUPT_AUDIO'],
  ['Ogg Opus with a byte changed (CRC fails)', patched(OPUS, (_v, c) => c.set([(c[3000] as number) ^ 0x01], 3000)), 'CORRUPT_AUDIO'],
  ['Ogg with a lost capture pattern on page 2', patched(VORBIS, (_v, c) => c.set(text('XggS'), 58)), 'CORRUPT_AUDIO'],
  ['Ogg page version 1', patched(VORBIS, (_v, c) => fixOggCrc(c.fill(1, 4, 5), 0)), 'CORRUPT_AUDIO'],
  ['Vorbis header with 0 channels', patched(VORBIS, (_v, c) => fixOggCrc(c.fill(0, 28 + 11, 28 + 12), 0)), 'CORRUPT_AUDIO'],
  ['Vorbis header with sample rate 0', patched(VORBIS, (v, c) => (v.setUint32(28 + 12, 0, true), fixOggCrc(c, 0))), 'CORRUPT_AUDIO'],
  ['Vorbis header with sample rate 4 kHz', patched(VORBIS, (v, c) => (v.setUint32(28 + 12, 4000, true), fixOggCrc(c, 0))), 'UNSUPPORTED_FORMAT'],
  ['Opus header with 0 channels', patched(OPUS, (_v, c) => fixOggCrc(c.fill(0, 28 + 9, 28 + 10), 0)), 'CORRUPT_AUDIO'],
  [
    'Vorbis with a garbage setup header (valid pages)',
    patched(VORBIS, (_v, c) => fixOggCrc(c.fill(0x5a, 58 + 100, 3928 - 100), 58)),
    'CORRUPT_AUDIO',
  ],
  [
    'Opus with garbage audio packets (valid pages)',
    patched(OPUS, (_v, c) => fixOggCrc(c.set(pseudoRandomBytes(6000, 11), 137 + 27 + (c[137 + 26] as number)) ?? c, 137)),
    'CORRUPT_AUDIO',
  ],
];

describe('decodeAudio: malformed input', () => {
  it('has at least 50 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  // Rows as objects so the title interpolates only the name and code (never the bytes).
  const rows = cases.map(([name, bytes, code, options]) => ({ name, bytes, code, options }));
  it.each(rows)('$name → $code', async ({ bytes, code, options }) => {
    const outcome = await decodeAudio(bytes, options).then(
      () => 'decoded',
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(AudioError);
    expect(outcome).toBeInstanceOf(NotescribeError);
    expect((outcome as AudioError).code).toBe(code);
  });
});
