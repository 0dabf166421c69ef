import { MPEGDecoder } from 'mpg123-decoder';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { AudioError } from './errors';

/** One call's output from a wasm decoder: one array per channel, at least `samplesDecoded` long. */
interface DecodedPcm {
  readonly channelData: readonly Float32Array[];
  readonly samplesDecoded: number;
  readonly sampleRate: number;
  readonly errors: readonly { readonly message: string }[];
}

export type CompressedCodec = 'mp3' | 'flac' | 'ogg-vorbis' | 'ogg-opus';

/** A compressed file decoded and averaged to one channel at its own rate. */
export interface DecodedMono {
  readonly mono: Float32Array;
  readonly sampleRateHz: number;
  /** Channels the decoder produced (mpg123-decoder always produces two). */
  readonly channels: number;
  /** Largest absolute sample of any channel after clamping; NaN if any sample was NaN. */
  readonly peak: number;
  readonly errorCount: number;
  readonly firstError: string | undefined;
}

interface StreamingDecoder {
  readonly ready: Promise<void>;
  decode(chunk: Uint8Array): Promise<DecodedPcm>;
  flush(): Promise<DecodedPcm> | undefined;
  free(): void;
}

/**
 * Input is fed to the decoders in pieces this size, and each piece's output is averaged into the mono result at
 * once, so peak memory is the mono signal plus one piece's output rather than every channel of the whole file
 * (a 30-minute stereo MP3 would otherwise hold ~1.3 GB of channel data at once).
 */
export const DECODE_CHUNK_BYTES = 1 << 20;

function open(codec: CompressedCodec): StreamingDecoder {
  switch (codec) {
    case 'mp3': {
      const d = new MPEGDecoder();
      return { ready: d.ready, decode: async (c) => d.decode(c), flush: () => undefined, free: () => d.free() };
    }
    case 'flac': {
      const d = new FLACDecoder();
      return { ready: d.ready, decode: (c) => d.decode(c), flush: () => d.flush(), free: () => d.free() };
    }
    case 'ogg-vorbis': {
      const d = new OggVorbisDecoder();
      return { ready: d.ready, decode: (c) => d.decode(c), flush: () => d.flush(), free: () => d.free() };
    }
    case 'ogg-opus': {
      const d = new OggOpusDecoder();
      return { ready: d.ready, decode: async (c) => d.decode(c), flush: () => d.flush(), free: () => d.free() };
    }
  }
}

/**
 * Runs one of the wasm-audio-decoders over a whole file, `chunkBytes` at a time, averaging channels as it goes
 * (each sample clamped to ±1, as playback would: a damaged MP3 frame that mpg123 does not detect can decode to
 * values in the thousands). The decoders are pure WebAssembly (no native binary, so they run in Lambda) and run on
 * this thread. Anything they throw, and any result that is not a well-formed set of channels, becomes
 * CORRUPT_AUDIO: callers have already checked the container, so a failure here means damaged frames.
 *
 * Options: `expectedFrames`, a guess at the decoded length to size the output once (it grows if short);
 * `maxSeconds`, past which decoding stops with AUDIO_TOO_LONG; `chunkBytes` (default DECODE_CHUNK_BYTES).
 */
export async function decodeCompressedToMono(
  codec: CompressedCodec,
  bytes: Uint8Array,
  options: { expectedFrames?: number; chunkBytes?: number; maxSeconds?: number } = {},
): Promise<DecodedMono> {
  const maxSeconds = options.maxSeconds ?? Number.POSITIVE_INFINITY;
  const chunkBytes = options.chunkBytes ?? DECODE_CHUNK_BYTES;
  let mono = new Float32Array(Math.max(1024, Math.ceil((options.expectedFrames ?? 0) * 1.01)));
  let frames = 0;
  let sampleRateHz = 0;
  let channels = 0;
  let peak = 0;
  let nanCheck = 0;
  let errorCount = 0;
  let firstError: string | undefined;

  const append = (result: DecodedPcm): void => {
    const { channelData, samplesDecoded: n, sampleRate } = checked(codec, result);
    errorCount += result.errors.length;
    firstError ??= result.errors[0]?.message;
    if (n === 0) return;
    if (sampleRateHz !== 0 && sampleRate !== sampleRateHz) {
      throw new AudioError('UNSUPPORTED_FORMAT', `${codec}: sample rate changes mid-stream (${sampleRateHz} → ${sampleRate} Hz)`, {
        context: { format: codec },
      });
    }
    sampleRateHz = sampleRate;
    channels = Math.max(channels, channelData.length);
    if (frames + n > mono.length) {
      const grown = new Float32Array(Math.max(frames + n, mono.length * 2));
      grown.set(mono.subarray(0, frames));
      mono = grown;
    }
    const scale = 1 / channelData.length;
    for (const channel of channelData) {
      for (let i = 0, j = frames; i < n; i++, j++) {
        const raw = channel[i] as number;
        const v = raw > 1 ? 1 : raw < -1 ? -1 : raw;
        mono[j] = (mono[j] as number) + v * scale;
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
        nanCheck += raw; // NaN survives a sum (and the clamp would hide it)
      }
    }
    frames += n;
    // Checked as it grows, so a header that understated the length cannot make us hold hours of audio.
    if (frames / sampleRateHz > maxSeconds) {
      throw new AudioError('AUDIO_TOO_LONG', `${codec}: more than ${maxSeconds} s of audio`, {
        context: { format: codec, maxSeconds, sampleRateHz },
      });
    }
  };

  let decoder: StreamingDecoder | undefined;
  try {
    decoder = open(codec);
    await decoder.ready;
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      append(await decoder.decode(bytes.subarray(offset, offset + chunkBytes)));
    }
    const flushed = decoder.flush();
    if (flushed !== undefined) append(await flushed);
  } catch (error) {
    if (error instanceof AudioError) throw error;
    throw new AudioError('CORRUPT_AUDIO', `${codec}: decoder failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      context: { format: codec },
    });
  } finally {
    try {
      decoder?.free();
    } catch {
      // Freeing a decoder whose wasm instance already trapped can throw; the memory goes with the instance anyway.
    }
  }
  return {
    mono: frames === mono.length ? mono : mono.slice(0, frames),
    sampleRateHz,
    channels,
    peak: Number.isNaN(nanCheck) ? Number.NaN : peak,
    errorCount,
    firstError,
  };
}

function checked(codec: CompressedCodec, result: DecodedPcm): DecodedPcm {
  const { channelData, samplesDecoded, sampleRate } = result;
  if (
    !Array.isArray(channelData) ||
    !Number.isInteger(samplesDecoded) ||
    samplesDecoded < 0 ||
    !Array.isArray(result.errors) ||
    (samplesDecoded > 0 &&
      (channelData.length === 0 || !(sampleRate > 0) || channelData.some((c) => !(c instanceof Float32Array) || c.length < samplesDecoded)))
  ) {
    throw new AudioError('CORRUPT_AUDIO', `${codec}: decoder returned a malformed result`, { context: { format: codec } });
  }
  return result;
}
