/**
 * Audio in: bytes of a WAV, MP3, FLAC, Ogg Vorbis or Ogg Opus file → mono Float32Array at SAMPLE_RATE_HZ.
 * Every failure is an AudioError with a stable code; see docs/audio.md.
 */
import { DEFAULT_MAX_AUDIO_SECONDS, DEFAULT_MAX_INPUT_BYTES, SAMPLE_RATE_HZ } from '../params';
import type { CompressedCodec } from './decoders';
import { AudioError } from './errors';
import { parseFlacHeader, scanFlacFrames, withLastFrameRepeated, type FlacFrameScan } from './flac';
import { scanMpeg } from './mpeg';
import { scanOgg } from './ogg';
import { resample, resampleFrom } from './resample';
import { sniffContainer, type Sniffed } from './sniff';
import { parseWavHeader, readWavMono, readWavMonoInto, type WavHeader } from './wav';

export { AudioError, type AudioErrorCode } from './errors';
export { resample, RESAMPLER_SETTINGS } from './resample';
export { MIN_SOURCE_RATE_HZ, MAX_SOURCE_RATE_HZ, MAX_CHANNELS } from './limits';

/** The formats decodeAudio recognises (from magic numbers, not file names). */
export type AudioFormat = 'wav' | CompressedCodec;

/** What the file was, before downmixing and resampling. */
export interface AudioSource {
  readonly format: AudioFormat;
  /** The rate the decoder produced (Opus always decodes at 48 kHz). */
  readonly sampleRateHz: number;
  readonly channels: number;
}

/** Mono audio at SAMPLE_RATE_HZ, ready for the spectrogram. */
export interface DecodedAudio {
  /** Mono samples in [-1, 1], SAMPLE_RATE_HZ (16 kHz); length ceil(durationSeconds · 16000). */
  readonly samples: Float32Array;
  /** Source sample frames ÷ source rate, in seconds. */
  readonly durationSeconds: number;
  readonly source: AudioSource;
}

/** The decoded file at its own rate: the channel average, before resampling. */
export interface SourceAudio {
  readonly mono: Float32Array;
  readonly durationSeconds: number;
  readonly source: AudioSource;
}

export interface DecodeOptions {
  /** Refuse audio longer than this many seconds (AUDIO_TOO_LONG). @default DEFAULT_MAX_AUDIO_SECONDS (30 min) */
  readonly maxSeconds?: number;
  /** Refuse inputs larger than this many bytes (INPUT_TOO_LARGE). @default DEFAULT_MAX_INPUT_BYTES (1 GiB) */
  readonly maxBytes?: number;
}

/**
 * Peak level below which a file counts as silent: −70 dBFS, about 10 LSB of 16-bit audio. Dithered digital
 * silence and a disconnected input sit below it; the quietest real recordings peak well above it.
 */
export const SILENCE_PEAK_FLOOR = 10 ** (-70 / 20);

/**
 * Peaks above this (+60 dBFS) are not audio as written: a float WAV may go a little past full scale (±1), an
 * unnormalised mix a few times, but a thousand times means wrongly scaled samples, and the spectrogram's log scale
 * would turn them into overflow and an empty score. Only float WAV can get here (integer formats and the compressed
 * decoders stop at full scale).
 */
export const ABSURD_PEAK = 1_000;

/**
 * Decodes an audio file to mono at SAMPLE_RATE_HZ (16 kHz): channels are averaged, then resampled with an
 * anti-aliasing polyphase filter (RESAMPLER_SETTINGS). The format is sniffed from the bytes. A WAV file is streamed:
 * each block of sample frames is averaged straight into the resampler's window, so no full-rate copy of the signal
 * exists (for a 10-minute 44.1 kHz song that copy would be 106 MB, more than the result and the file together).
 *
 * Rejects with AudioError: INPUT_TOO_LARGE (over maxBytes), EMPTY_AUDIO (no bytes or no samples),
 * UNSUPPORTED_FORMAT, TRUNCATED_AUDIO, CORRUPT_AUDIO, AUDIO_TOO_LONG (over maxSeconds; checked from the header
 * before decoding), SILENT_AUDIO (peak below SILENCE_PEAK_FLOOR), CORRUPT_AUDIO also for a peak above ABSURD_PEAK.
 *
 * @example
 * const { samples, durationSeconds, source } = await decodeAudio(new Uint8Array(await readFile('song.mp3')));
 * // samples: Float32Array at 16 kHz; source: { format: 'mp3', sampleRateHz: 44100, channels: 2 }
 */
export async function decodeAudio(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedAudio> {
  const { sniffed, maxSeconds } = checkInput(bytes, options);
  if (sniffed.container === 'wav') {
    const { header, source } = openWav(bytes, maxSeconds);
    let peak = 0;
    const samples = resampleFrom(header.frames, header.sampleRateHz, SAMPLE_RATE_HZ, (target, first) => {
      peak = Math.max(peak, readWavMonoInto(bytes, header, first, target));
    });
    checkLevel(source, peak);
    return { samples, durationSeconds: header.frames / header.sampleRateHz, source };
  }
  const { mono, durationSeconds, source } = await decodeCompressed(bytes, sniffed, maxSeconds);
  return { samples: resample(mono, source.sampleRateHz, SAMPLE_RATE_HZ), durationSeconds, source };
}

/** decodeAudio without the resampling step: the channel average at the source's own rate (same checks, same errors). */
export async function decodeSourceAudio(bytes: Uint8Array, options: DecodeOptions = {}): Promise<SourceAudio> {
  const { sniffed, maxSeconds } = checkInput(bytes, options);
  if (sniffed.container === 'wav') {
    const { header, source } = openWav(bytes, maxSeconds);
    const { mono, peak } = readWavMono(bytes, header);
    checkLevel(source, peak);
    return { mono, durationSeconds: header.frames / header.sampleRateHz, source };
  }
  return decodeCompressed(bytes, sniffed, maxSeconds);
}

/** The checks every input gets before its format is known; returns the sniffed container and the length limit. */
function checkInput(bytes: Uint8Array, options: DecodeOptions): { sniffed: Sniffed; maxSeconds: number } {
  const maxSeconds = options.maxSeconds ?? DEFAULT_MAX_AUDIO_SECONDS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (!(maxSeconds > 0) || !(maxBytes > 0)) {
    throw new RangeError(`decodeAudio: maxSeconds and maxBytes must be positive, got ${maxSeconds}, ${maxBytes}`);
  }
  if (bytes.length > maxBytes) {
    throw new AudioError('INPUT_TOO_LARGE', `input is ${bytes.length} bytes; the limit is ${maxBytes}`, {
      context: { bytes: bytes.length, maxBytes },
    });
  }
  if (bytes.length === 0) throw new AudioError('EMPTY_AUDIO', 'input is empty (0 bytes)');
  return { sniffed: sniffContainer(bytes), maxSeconds };
}

/** Parses a WAV header and checks its length against the limit. */
function openWav(bytes: Uint8Array, maxSeconds: number): { header: WavHeader; source: AudioSource } {
  const header = parseWavHeader(bytes);
  const source: AudioSource = { format: 'wav', sampleRateHz: header.sampleRateHz, channels: header.channels };
  checkLength(source, header.frames, maxSeconds);
  return { header, source };
}

/** An MP3, FLAC or Ogg file decoded whole and averaged to mono at its own rate. */
async function decodeCompressed(
  bytes: Uint8Array,
  sniffed: Exclude<Sniffed, { container: 'wav' }>,
  maxSeconds: number,
): Promise<SourceAudio> {
  let codec: CompressedCodec;
  let expectedFrames: number | undefined;
  let mpegFrameCount = 0;
  let mpegChannels = 0;
  let mpegFrames = 0;
  let flacScan: FlacFrameScan | undefined;
  if (sniffed.container === 'ogg') {
    const info = scanOgg(bytes);
    codec = info.codec === 'vorbis' ? 'ogg-vorbis' : 'ogg-opus';
    expectedFrames = info.frames;
    checkLength({ format: codec, sampleRateHz: info.sampleRateHz, channels: info.channels }, info.frames, maxSeconds);
  } else if (sniffed.container === 'flac') {
    const info = parseFlacHeader(bytes, sniffed.offset);
    codec = 'flac';
    // FLAC allows "total samples unknown" (0); then only the decoded length can be checked.
    if (info.frames > 0) {
      expectedFrames = info.frames;
      checkLength({ format: codec, sampleRateHz: info.sampleRateHz, channels: info.channels }, info.frames, maxSeconds);
    }
    if (info.audioOffset === bytes.length) {
      if (info.frames > 0) throw new AudioError('TRUNCATED_AUDIO', 'flac: file ends before the first audio frame');
      throw new AudioError('EMPTY_AUDIO', 'flac: no audio frames', { context: { format: codec } });
    }
    flacScan = scanFlacFrames(bytes, info.audioOffset);
    const held = flacScan.frames;
    if (info.frames > 0 && held < info.frames) {
      throw new AudioError('TRUNCATED_AUDIO', `flac: frames hold ${held} of the ${info.frames} samples STREAMINFO promises`, {
        context: { format: codec, held, expectedFrames: info.frames },
      });
    }
    expectedFrames = held;
    checkLength({ format: codec, sampleRateHz: info.sampleRateHz, channels: info.channels }, held, maxSeconds);
  } else {
    const scan = scanMpeg(bytes, sniffed.offset);
    codec = 'mp3';
    mpegFrameCount = scan.frameCount;
    mpegChannels = scan.channels;
    mpegFrames = scan.frames;
    // The frame count includes the encoder's delay and padding (≤ 2 frames): close enough for a limit.
    checkLength({ format: codec, sampleRateHz: scan.sampleRateHz, channels: scan.channels }, scan.frames, maxSeconds);
  }

  // Loaded on first use: the four wasm decoders cost ~20 MB of memory once evaluated, which a WAV never needs.
  const { decodeCompressedToMono } = await import('./decoders');
  const input = flacScan === undefined ? bytes : withLastFrameRepeated(bytes, flacScan);
  const decoded = await decodeCompressedToMono(codec, input, { expectedFrames: expectedFrames ?? mpegFrames, maxSeconds });
  // mpg123-decoder always returns two channels; the frame header says how many the file has.
  const channels = codec === 'mp3' ? mpegChannels : decoded.channels;
  let mono = decoded.mono;
  if (flacScan !== undefined) {
    // Exactly the frames the scan counted, or those plus the repeated last frame (withLastFrameRepeated).
    const got = decoded.mono.length;
    if (got !== flacScan.frames && got !== flacScan.frames + flacScan.lastBlockSize) {
      throw new AudioError('CORRUPT_AUDIO', `flac: decoded ${got} sample frames; the frames hold ${flacScan.frames}`, {
        context: { format: codec, frames: got, expectedFrames: flacScan.frames },
      });
    }
    if (got > flacScan.frames) mono = mono.slice(0, flacScan.frames);
  }
  const frames = mono.length;
  // MP3 has no checksum players insist on and mpg123 conceals a bad frame; a few are tolerated, as players do.
  const tolerated = codec === 'mp3' ? MAX_BAD_MP3_FRAME_SHARE * mpegFrameCount : 0;
  if (decoded.errorCount > tolerated) {
    throw new AudioError('CORRUPT_AUDIO', `${codec}: ${decoded.errorCount} frames failed to decode: ${decoded.firstError}`, {
      context: { format: codec, decoderErrors: decoded.errorCount },
    });
  }
  if (frames === 0) {
    throw new AudioError(expectedFrames === 0 ? 'EMPTY_AUDIO' : 'CORRUPT_AUDIO', `${codec}: decoder produced no samples`, {
      context: { format: codec, decoderErrors: decoded.errorCount },
    });
  }
  const source: AudioSource = { format: codec, sampleRateHz: decoded.sampleRateHz, channels };
  if (Number.isNaN(decoded.peak)) throw new AudioError('CORRUPT_AUDIO', `${codec}: decoder produced NaN samples`);
  checkLevel(source, decoded.peak);
  return { mono, durationSeconds: frames / decoded.sampleRateHz, source };
}

/** Share of MP3 frames that may fail to decode before the file counts as corrupt. */
const MAX_BAD_MP3_FRAME_SHARE = 0.05;

function checkLength(source: AudioSource, frames: number, maxSeconds: number): void {
  const seconds = frames / source.sampleRateHz;
  if (seconds > maxSeconds) {
    throw new AudioError('AUDIO_TOO_LONG', `${source.format}: ${seconds.toFixed(1)} s of audio; the limit is ${maxSeconds} s`, {
      context: { ...source, seconds, maxSeconds },
    });
  }
  if (frames === 0) throw new AudioError('EMPTY_AUDIO', `${source.format}: header declares no samples`, { context: { ...source } });
}

function checkLevel(source: AudioSource, peak: number): void {
  if (!(peak <= ABSURD_PEAK)) {
    throw new AudioError(
      'CORRUPT_AUDIO',
      `${source.format}: samples reach ${peak.toPrecision(3)}, ${Number.isFinite(peak) ? `${(20 * Math.log10(peak)).toFixed(0)} dB` : 'infinitely far'} ` +
        'beyond full scale (±1): the file holds wrongly scaled or damaged samples, not audio',
      { context: { ...source, peak } },
    );
  }
  if (peak < SILENCE_PEAK_FLOOR) {
    const peakDbfs = peak > 0 ? 20 * Math.log10(peak) : -Infinity;
    throw new AudioError('SILENT_AUDIO', `${source.format}: peak level ${peakDbfs.toFixed(1)} dBFS is below the −70 dBFS floor`, {
      context: { ...source, peakDbfs },
    });
  }
}

/** Milliseconds spent in each stage of decodeAudio, for `npm run bench` (median of `repeats` runs). */
export interface DecodeTimings {
  readonly decodeMs: number;
  readonly resampleMs: number;
  readonly audioSeconds: number;
}

/** Times decodeAudio's two stages on `bytes`; throws what decodeAudio would. */
export async function benchDecode(bytes: Uint8Array, options: DecodeOptions & { repeats?: number } = {}): Promise<DecodeTimings> {
  const decodeRuns: number[] = [];
  const resampleRuns: number[] = [];
  let audioSeconds = 0;
  for (let r = 0; r < Math.max(1, options.repeats ?? 3); r++) {
    const t0 = performance.now();
    const decoded = await decodeSourceAudio(bytes, options);
    const t1 = performance.now();
    resample(decoded.mono, decoded.source.sampleRateHz, SAMPLE_RATE_HZ);
    const t2 = performance.now();
    decodeRuns.push(t1 - t0);
    resampleRuns.push(t2 - t1);
    audioSeconds = decoded.durationSeconds;
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { decodeMs: median(decodeRuns), resampleMs: median(resampleRuns), audioSeconds };
}
