import { startsWith } from './bytes';
import { checkStreamShape, corrupt, truncated } from './limits';

/** One MPEG audio frame header, decoded. */
export interface MpegFrameHeader {
  readonly frameBytes: number;
  readonly samplesPerFrame: number;
  readonly sampleRateHz: number;
  readonly channels: number;
}

/** What a scan of every frame header found, without decoding any audio. */
export interface MpegScan {
  readonly sampleRateHz: number;
  readonly channels: number;
  readonly frameCount: number;
  /** Sum of samples per frame: the duration before the decoder trims encoder delay and padding. */
  readonly frames: number;
  /** Bytes between frames that were not part of any frame (junk the decoder will skip). */
  readonly skippedBytes: number;
}

const FORMAT = 'mp3';

// kbit/s by [version is MPEG-1][layer 1..3][index]; ISO/IEC 11172-3 and 13818-3.
const BITRATES_V1 = [
  [],
  [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
];
const BITRATES_V2 = [
  [],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];
// By version bits (0 = MPEG-2.5, 2 = MPEG-2, 3 = MPEG-1).
const SAMPLE_RATES: Readonly<Record<number, readonly number[]>> = {
  0: [11025, 12000, 8000],
  2: [22050, 24000, 16000],
  3: [44100, 48000, 32000],
};

/**
 * Decodes the 4-byte header at `offset`, or returns undefined when those bytes are not a valid MPEG-1/2/2.5 audio
 * header. Free-format streams (bitrate index 0) are treated as invalid: their frame length cannot be known from the
 * header, and no common encoder writes them.
 */
export function readMpegFrameHeader(bytes: Uint8Array, offset: number): MpegFrameHeader | undefined {
  if (offset + 4 > bytes.length) return undefined;
  const b1 = bytes[offset + 1] as number;
  const b2 = bytes[offset + 2] as number;
  const b3 = bytes[offset + 3] as number;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const layer = 4 - layerBits;
  const sampleRateHz = SAMPLE_RATES[version]?.[rateIndex] as number;
  const bitrate = ((version === 3 ? BITRATES_V1 : BITRATES_V2)[layer]?.[bitrateIndex] as number) * 1000;
  const padding = (b2 >> 1) & 1;
  let frameBytes: number;
  let samplesPerFrame: number;
  if (layer === 1) {
    frameBytes = (Math.floor((12 * bitrate) / sampleRateHz) + padding) * 4;
    samplesPerFrame = 384;
  } else if (layer === 2 || version === 3) {
    frameBytes = Math.floor((144 * bitrate) / sampleRateHz) + padding;
    samplesPerFrame = 1152;
  } else {
    frameBytes = Math.floor((72 * bitrate) / sampleRateHz) + padding;
    samplesPerFrame = 576;
  }
  return { frameBytes, samplesPerFrame, sampleRateHz, channels: b3 >> 6 === 3 ? 1 : 2 };
}

/**
 * True when `offset` starts a frame whose successor is also a frame: a real sync, not chance. With `orEnd`, a frame
 * that reaches the end of the data also counts (a file cut inside its only frame); random bytes match a 4-byte
 * header often enough that this is only allowed where a frame is expected anyway.
 */
function isConfirmedFrame(bytes: Uint8Array, offset: number, end: number, orEnd: boolean): boolean {
  const header = readMpegFrameHeader(bytes, offset);
  if (header === undefined) return false;
  const next = offset + header.frameBytes;
  return next >= end ? orEnd : readMpegFrameHeader(bytes, next) !== undefined;
}

/** True for 1–3 bytes that could be the start of a frame header: a file cut inside it. */
function isHeaderPrefix(bytes: Uint8Array, offset: number): boolean {
  return bytes.length - offset < 4 && bytes[offset] === 0xff && (offset + 1 >= bytes.length || ((bytes[offset + 1] as number) & 0xe0) === 0xe0);
}

/** Length of the ID3v2 tag at `offset` (header, body and footer), or 0 when there is none. Throws if it is cut off. */
export function id3v2Length(bytes: Uint8Array, offset: number): number {
  if (!startsWith(bytes, offset, 'ID3')) return 0;
  if (offset + 10 > bytes.length) throw truncated(FORMAT, 'file ends inside an ID3v2 tag header');
  const size = [6, 7, 8, 9].reduce((acc, i) => acc * 128 + ((bytes[offset + i] as number) & 0x7f), 0);
  const footer = ((bytes[offset + 5] as number) & 0x10) !== 0 ? 10 : 0;
  const length = 10 + size + footer;
  if (offset + length > bytes.length) {
    throw truncated(FORMAT, `ID3v2 tag promises ${length} bytes, ${bytes.length - offset} follow`, { offset });
  }
  return length;
}

/** Metadata that may trail the last frame: ID3v1, APEv2 and Lyrics3 tags. */
function isTrailingTag(bytes: Uint8Array, offset: number): boolean {
  return startsWith(bytes, offset, 'TAG') || startsWith(bytes, offset, 'APETAGEX') || startsWith(bytes, offset, 'LYRICSBEGIN');
}

/** Junk above this share of the stream means the file is damaged, not merely untidy. */
const MAX_SKIPPED_SHARE = 0.25;

/**
 * Walks every frame header from `start` (just past any ID3v2 tag) without decoding: gives the duration for the
 * length check before decoding, and finds truncation (a last frame cut short) and damage (lost sync) exactly.
 */
export function scanMpeg(bytes: Uint8Array, start: number): MpegScan {
  const end = bytes.length;
  let offset = start;
  let frameCount = 0;
  let frames = 0;
  let skippedBytes = 0;
  let first: MpegFrameHeader | undefined;
  while (offset < end) {
    const header = readMpegFrameHeader(bytes, offset);
    if (header !== undefined && (frameCount > 0 || isConfirmedFrame(bytes, offset, end, offset === start))) {
      if (offset + header.frameBytes > end) {
        throw truncated(FORMAT, `frame ${frameCount} at byte ${offset} needs ${header.frameBytes} bytes, ${end - offset} remain`, {
          offset,
          frameCount,
        });
      }
      first ??= header;
      frameCount++;
      frames += header.samplesPerFrame;
      offset += header.frameBytes;
      continue;
    }
    if (frameCount > 0 && isTrailingTag(bytes, offset)) break;
    if (isHeaderPrefix(bytes, offset)) throw truncated(FORMAT, `file ends inside the header of frame ${frameCount}`, { offset });
    // Lost sync: search for the next confirmed frame, as the decoder will.
    let next = offset + 1;
    while (next < end && !(bytes[next] === 0xff && isConfirmedFrame(bytes, next, end, frameCount > 0))) next++;
    skippedBytes += next - offset;
    offset = next;
  }
  if (first === undefined) throw corrupt(FORMAT, 'no MPEG audio frame found', { start });
  if (skippedBytes > MAX_SKIPPED_SHARE * (end - start)) {
    throw corrupt(FORMAT, `${skippedBytes} of ${end - start} bytes are not MPEG audio frames`, { skippedBytes });
  }
  checkStreamShape(FORMAT, first.sampleRateHz, first.channels);
  return { sampleRateHz: first.sampleRateHz, channels: first.channels, frameCount, frames, skippedBytes };
}
