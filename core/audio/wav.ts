import { ascii, startsWith, u16le, u32le } from './bytes';
import { checkStreamShape, corrupt, truncated } from './limits';
import { AudioError } from './errors';
import { resampleKernel } from './resample-kernel';

/** What a WAV header promises, checked against the bytes that are there. */
export interface WavHeader {
  readonly sampleRateHz: number;
  readonly channels: number;
  /** Sample frames in the data chunk. */
  readonly frames: number;
  readonly encoding: 'pcm' | 'float';
  /** Bytes per sample in the container (1–4 for PCM, 4 or 8 for float). */
  readonly bytesPerSample: number;
  readonly dataOffset: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** The 14 bytes that follow the format tag in every KSDATAFORMAT_SUBTYPE_* GUID of the audio family. */
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** Writers that stream (ffmpeg to a pipe, some recorders) leave these in size fields they could not go back to fill. */
const STREAMING_SIZES = new Set([0, 0xffff_ffff]);

const FORMAT = 'wav';

/**
 * Parses a RIFF/WAVE header strictly: every size is checked against the bytes present, and a header that lies gets
 * TRUNCATED_AUDIO (a size reaching past the end), CORRUPT_AUDIO (impossible values) or UNSUPPORTED_FORMAT (a real but
 * unsupported encoding). The byte-rate field is not checked: it is redundant and some writers get it wrong.
 */
export function parseWavHeader(bytes: Uint8Array): WavHeader {
  if (bytes.length < 12) throw truncated(FORMAT, `file ends inside the RIFF header (${bytes.length} bytes)`);
  const riffSize = u32le(bytes, 4);
  const streamed = STREAMING_SIZES.has(riffSize);
  if (!streamed && riffSize + 8 > bytes.length) {
    throw truncated(FORMAT, `RIFF header promises ${riffSize + 8} bytes, file has ${bytes.length}`, {
      riffSize,
      length: bytes.length,
    });
  }
  if (!streamed && riffSize < 4) throw corrupt(FORMAT, `RIFF size ${riffSize} cannot hold a WAVE form`, { riffSize });
  // Chunks after the RIFF form's end (trailing junk some tools append) are ignored, as every player does.
  const end = streamed ? bytes.length : riffSize + 8;

  let fmt: Omit<WavHeader, 'frames' | 'dataOffset'> | undefined;
  let blockAlign = 0;
  let offset = 12;
  while (offset < end) {
    if (offset + 8 > end) throw truncated(FORMAT, `file ends inside a chunk header at byte ${offset}`, { offset });
    const id = ascii(bytes, offset, 4);
    const size = u32le(bytes, offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16) throw corrupt(FORMAT, `fmt chunk of ${size} bytes is shorter than the 16 it needs`, { size });
      if (body + size > end) throw truncated(FORMAT, 'file ends inside the fmt chunk', { offset });
      ({ fmt, blockAlign } = parseFmt(bytes, body, size));
    } else if (id === 'data') {
      if (fmt === undefined) throw corrupt(FORMAT, 'data chunk comes before any fmt chunk', { offset });
      const available = end - body;
      const dataSize = STREAMING_SIZES.has(size) && (streamed || size > available) ? available - (available % blockAlign) : size;
      if (dataSize > available) {
        throw truncated(FORMAT, `data chunk promises ${dataSize} bytes, ${available} follow it`, { dataSize, available });
      }
      if (dataSize % blockAlign !== 0) {
        throw corrupt(FORMAT, `data chunk of ${dataSize} bytes is not a whole number of ${blockAlign}-byte frames`, {
          dataSize,
          blockAlign,
        });
      }
      return { ...fmt, frames: dataSize / blockAlign, dataOffset: body };
    } else if (body + size > end) {
      throw truncated(FORMAT, `file ends inside the '${printable(id)}' chunk`, { offset, size });
    }
    offset = body + size + (size & 1);
  }
  if (fmt === undefined) throw corrupt(FORMAT, 'no fmt chunk');
  throw new AudioError('EMPTY_AUDIO', 'wav: no data chunk, so no samples', { context: { format: FORMAT } });
}

function parseFmt(
  bytes: Uint8Array,
  body: number,
  size: number,
): { fmt: Omit<WavHeader, 'frames' | 'dataOffset'>; blockAlign: number } {
  let tag = u16le(bytes, body);
  const channels = u16le(bytes, body + 2);
  const sampleRateHz = u32le(bytes, body + 4);
  const blockAlign = u16le(bytes, body + 12);
  const bitsPerSample = u16le(bytes, body + 14);
  let validBits = bitsPerSample;
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40 || u16le(bytes, body + 16) < 22) {
      throw corrupt(FORMAT, `WAVE_FORMAT_EXTENSIBLE fmt chunk of ${size} bytes is shorter than the 40 it needs`, { size });
    }
    validBits = u16le(bytes, body + 18) || bitsPerSample;
    tag = u16le(bytes, body + 24);
    const tail = bytes.subarray(body + 26, body + 40);
    if (!SUBTYPE_GUID_TAIL.every((b, i) => tail[i] === b)) {
      throw new AudioError('UNSUPPORTED_FORMAT', 'wav: WAVE_FORMAT_EXTENSIBLE with a non-audio sub-format GUID', {
        context: { format: FORMAT },
      });
    }
    if (validBits > bitsPerSample) {
      throw corrupt(FORMAT, `${validBits} valid bits in a ${bitsPerSample}-bit container`, { validBits, bitsPerSample });
    }
  }
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) {
    throw new AudioError('UNSUPPORTED_FORMAT', `wav: format tag 0x${tag.toString(16)} is not PCM or IEEE float`, {
      context: { format: FORMAT, formatTag: tag },
    });
  }
  checkStreamShape(FORMAT, sampleRateHz, channels);
  const encoding = tag === WAVE_FORMAT_PCM ? 'pcm' : 'float';
  const supported = encoding === 'pcm' ? [8, 16, 24, 32] : [32, 64];
  if (!supported.includes(bitsPerSample)) {
    // A container size that is not a whole number of bytes cannot be laid out at all; others are real but rare.
    const code = bitsPerSample % 8 === 0 && bitsPerSample > 0 ? 'UNSUPPORTED_FORMAT' : 'CORRUPT_AUDIO';
    throw new AudioError(code, `wav: ${bitsPerSample}-bit ${encoding} samples are not supported`, {
      context: { format: FORMAT, bitsPerSample, encoding },
    });
  }
  const bytesPerSample = bitsPerSample / 8;
  if (blockAlign !== bytesPerSample * channels) {
    throw corrupt(FORMAT, `block align ${blockAlign} ≠ ${channels} channels × ${bytesPerSample} bytes`, {
      blockAlign,
      channels,
      bitsPerSample,
    });
  }
  return { fmt: { sampleRateHz, channels, encoding, bytesPerSample }, blockAlign };
}

function printable(id: string): string {
  return id.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Reads the data chunk and averages the channels into one, scaled to [-1, 1).
 * Returns the mono signal and the largest absolute sample of any channel (for the silence check).
 */
export function readWavMono(bytes: Uint8Array, header: WavHeader): { mono: Float32Array; peak: number } {
  const mono = new Float32Array(header.frames);
  const peak = readWavMonoInto(bytes, header, 0, mono);
  return { mono, peak };
}

/**
 * Averages the channels of sample frames `first … first + mono.length − 1` into `mono`, scaled to [-1, 1), and
 * returns the largest absolute sample of any channel among them: `readWavMono` one block at a time, so a decoder
 * can stream a file into the resampler without a full-rate copy. Throws CORRUPT_AUDIO for NaN or infinite floats.
 */
export function readWavMonoInto(bytes: Uint8Array, header: WavHeader, first: number, mono: Float32Array): number {
  const { channels, bytesPerSample, encoding, dataOffset } = header;
  const frames = mono.length;
  if (first < 0 || first + frames > header.frames) {
    throw new RangeError(`readWavMonoInto: frames ${first} … ${first + frames - 1} outside the ${header.frames} in the file`);
  }
  const scale = 1 / channels;
  const blockOffset = dataOffset + first * channels * bytesPerSample;
  let peak = 0;
  // One tight loop per encoding: this runs over every sample of the file, and a per-sample switch costs 2–3×.
  if (encoding === 'float') {
    const view = new DataView(bytes.buffer, bytes.byteOffset + blockOffset, frames * channels * bytesPerSample);
    const read = bytesPerSample === 4 ? (i: number) => view.getFloat32(i * 4, true) : (i: number) => view.getFloat64(i * 8, true);
    let absSum = 0; // NaN and infinity survive a sum, so one check at the end finds them
    for (let f = 0, i = 0; f < frames; f++) {
      let sum = 0;
      for (let c = 0; c < channels; c++, i++) {
        const v = read(i);
        const a = Math.abs(v);
        if (a > peak) peak = a;
        absSum += a;
        sum += v;
      }
      mono[f] = sum * scale;
    }
    if (!Number.isFinite(absSum)) throw corrupt(FORMAT, 'float samples include NaN or infinity');
    return peak;
  }
  const b = bytes;
  let i = blockOffset;
  let peakInt = 0;
  let norm: number;
  switch (bytesPerSample) {
    case 1:
      norm = 1 / 128;
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++, i++) {
          const v = (b[i] as number) - 128;
          sum += v;
          if (v > peakInt) peakInt = v;
          else if (-v > peakInt) peakInt = -v;
        }
        mono[f] = sum * scale * norm;
      }
      break;
    case 2:
      // In the WebAssembly kernel: the bytes copied in blocks, eight samples converted per SIMD step.
      return resampleKernel().pcm16ToMono(b.subarray(i, i + frames * channels * 2), channels, mono) / 32768;
    case 3:
      norm = 1 / 8388608;
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++, i += 3) {
          const v = (((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16)) << 8) >> 8;
          sum += v;
          if (v > peakInt) peakInt = v;
          else if (-v > peakInt) peakInt = -v;
        }
        mono[f] = sum * scale * norm;
      }
      break;
    default:
      norm = 1 / 2147483648;
      for (let f = 0; f < frames; f++) {
        let sum = 0;
        for (let c = 0; c < channels; c++, i += 4) {
          const v =
            (b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24);
          sum += v;
          if (v > peakInt) peakInt = v;
          else if (-v > peakInt) peakInt = -v;
        }
        mono[f] = sum * scale * norm;
      }
  }
  return peakInt * norm;
}

/** True for the first bytes of a RIFF/WAVE file (or a cut-off prefix of one). */
export function looksLikeWav(bytes: Uint8Array): boolean {
  return startsWith(bytes, 0, 'RIFF') && (bytes.length < 12 || startsWith(bytes, 8, 'WAVE'));
}
