import { MPEGDecoder } from 'mpg123-decoder';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { AudioError } from './errors';

/** Decoded PCM as the wasm decoders return it: one array per channel, all the same length. */
export interface DecodedPcm {
  readonly channelData: readonly Float32Array[];
  readonly samplesDecoded: number;
  readonly sampleRate: number;
  readonly errors: readonly { readonly message: string; readonly frameNumber: number; readonly inputBytes: number }[];
}

export type CompressedCodec = 'mp3' | 'flac' | 'ogg-vorbis' | 'ogg-opus';

interface WasmDecoder {
  readonly ready: Promise<void>;
  free(): void;
}

/**
 * Runs one of the wasm-audio-decoders over a whole file. They are pure WebAssembly (no native binary, so they run in
 * Lambda) and run synchronously on this thread. Anything they throw, and any result that is not a well-formed
 * set of finite channels, becomes CORRUPT_AUDIO: callers have already checked the container, so a failure here
 * means damaged frames.
 */
export async function decodeCompressed(codec: CompressedCodec, bytes: Uint8Array): Promise<DecodedPcm> {
  let decoder: WasmDecoder | undefined;
  try {
    const opened = open(codec);
    decoder = opened.decoder;
    await opened.decoder.ready;
    return checked(codec, await opened.decode(bytes));
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
}

function open(codec: CompressedCodec): { decoder: WasmDecoder; decode: (bytes: Uint8Array) => Promise<DecodedPcm> } {
  switch (codec) {
    case 'mp3': {
      const d = new MPEGDecoder();
      return { decoder: d, decode: async (bytes) => d.decode(bytes) };
    }
    case 'flac': {
      const d = new FLACDecoder();
      return { decoder: d, decode: (bytes) => d.decodeFile(bytes) };
    }
    case 'ogg-vorbis': {
      const d = new OggVorbisDecoder();
      return { decoder: d, decode: (bytes) => d.decodeFile(bytes) };
    }
    case 'ogg-opus': {
      const d = new OggOpusDecoder();
      return { decoder: d, decode: (bytes) => d.decodeFile(bytes) };
    }
  }
}

function checked(codec: CompressedCodec, result: DecodedPcm): DecodedPcm {
  const { channelData, samplesDecoded, sampleRate } = result;
  if (
    !Array.isArray(channelData) ||
    channelData.length === 0 ||
    !Number.isInteger(samplesDecoded) ||
    !(sampleRate > 0) ||
    channelData.some((c) => !(c instanceof Float32Array) || c.length < samplesDecoded)
  ) {
    throw new AudioError('CORRUPT_AUDIO', `${codec}: decoder returned a malformed result`, { context: { format: codec } });
  }
  return result;
}
