import { startsWith, u16le, u32le, u64le } from './bytes';
import { checkStreamShape, corrupt, truncated } from './limits';
import { AudioError } from './errors';

/** The codec and duration of the first logical stream of an Ogg file, found by walking its pages. */
export interface OggInfo {
  readonly codec: 'vorbis' | 'opus';
  /** The rate the decoder produces: the Vorbis header's rate, or 48 kHz for Opus (its only decoding rate). */
  readonly sampleRateHz: number;
  readonly channels: number;
  /** Sample frames at `sampleRateHz`, from the last granule position (less Opus pre-skip). */
  readonly frames: number;
}

const FORMAT = 'ogg';
const PAGE_HEADER_BYTES = 27;
const FLAG_EOS = 0x04;
const OPUS_RATE_HZ = 48_000;
const NO_GRANULE = 0xffff_ffff * 0x1_0000_0000 + 0xffff_ffff;

// CRC-32 of RFC 3533: polynomial 0x04c11db7, no reflection, zero initial value, no final xor.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x8000_0000 ? (r << 1) ^ 0x04c1_1db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function pageCrc(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  const step = (b: number): void => {
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ b) & 0xff] as number)) >>> 0;
  };
  for (let i = start; i < start + 22; i++) step(bytes[i] as number);
  // The CRC field itself (bytes 22–25) counts as zero.
  for (let i = 0; i < 4; i++) step(0);
  for (let i = start + 26; i < end; i++) {
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ (bytes[i] as number)) & 0xff] as number)) >>> 0;
  }
  return crc;
}

/**
 * Walks every page, checking capture pattern, length and CRC, so the decoder only ever sees a structurally sound
 * stream: a page cut short or a missing end-of-stream page is TRUNCATED_AUDIO, a bad CRC or lost capture pattern is
 * CORRUPT_AUDIO. Pages of other logical streams (a chained or multiplexed file) are checked but not counted.
 */
export function scanOgg(bytes: Uint8Array): OggInfo {
  let offset = 0;
  let serial: number | undefined;
  let codec: OggInfo['codec'] | undefined;
  let sampleRateHz = 0;
  let channels = 0;
  let preSkip = 0;
  let lastGranule = 0;
  let ended = false;
  while (offset < bytes.length) {
    if (!startsWith(bytes, offset, 'OggS')) {
      if (bytes.length - offset < 4 && startsWith(bytes, offset, 'OggS'.slice(0, bytes.length - offset))) {
        throw truncated(FORMAT, `file ends inside a page header at byte ${offset}`);
      }
      throw corrupt(FORMAT, `no page capture pattern at byte ${offset}`, { offset });
    }
    if (offset + PAGE_HEADER_BYTES > bytes.length) throw truncated(FORMAT, `file ends inside a page header at byte ${offset}`);
    if (bytes[offset + 4] !== 0) throw corrupt(FORMAT, `page version ${bytes[offset + 4]} at byte ${offset}`);
    const flags = bytes[offset + 5] as number;
    const granule = u64le(bytes, offset + 6);
    const pageSerial = u32le(bytes, offset + 14);
    const segments = bytes[offset + 26] as number;
    const tableEnd = offset + PAGE_HEADER_BYTES + segments;
    if (tableEnd > bytes.length) throw truncated(FORMAT, `file ends inside a segment table at byte ${offset}`);
    let bodyLength = 0;
    for (let i = offset + PAGE_HEADER_BYTES; i < tableEnd; i++) bodyLength += bytes[i] as number;
    const pageEnd = tableEnd + bodyLength;
    if (pageEnd > bytes.length) throw truncated(FORMAT, `page at byte ${offset} needs ${pageEnd - offset} bytes`, { offset });
    if (pageCrc(bytes, offset, pageEnd) !== u32le(bytes, offset + 22)) {
      throw corrupt(FORMAT, `page at byte ${offset} fails its CRC`, { offset });
    }
    if (serial === undefined) {
      serial = pageSerial;
      ({ codec, sampleRateHz, channels, preSkip } = identify(bytes, tableEnd, bodyLength));
    }
    if (pageSerial === serial && !ended) {
      if (granule !== NO_GRANULE) lastGranule = Math.max(lastGranule, granule);
      ended = (flags & FLAG_EOS) !== 0;
    }
    offset = pageEnd;
  }
  if (codec === undefined) throw new AudioError('EMPTY_AUDIO', 'ogg: no pages', { context: { format: FORMAT } });
  if (!ended) throw truncated(FORMAT, 'stream has no end-of-stream page', { codec });
  const frames = codec === 'opus' ? Math.max(0, lastGranule - preSkip) : lastGranule;
  return { codec, sampleRateHz, channels, frames };
}

function identify(
  bytes: Uint8Array,
  body: number,
  length: number,
): { codec: OggInfo['codec']; sampleRateHz: number; channels: number; preSkip: number } {
  if (length >= 30 && bytes[body] === 1 && startsWith(bytes, body + 1, 'vorbis')) {
    const channels = bytes[body + 11] as number;
    const sampleRateHz = u32le(bytes, body + 12);
    checkStreamShape('ogg vorbis', sampleRateHz, channels);
    return { codec: 'vorbis', sampleRateHz, channels, preSkip: 0 };
  }
  if (length >= 19 && startsWith(bytes, body, 'OpusHead')) {
    const channels = bytes[body + 9] as number;
    checkStreamShape('ogg opus', OPUS_RATE_HZ, channels);
    return { codec: 'opus', sampleRateHz: OPUS_RATE_HZ, channels, preSkip: u16le(bytes, body + 10) };
  }
  throw new AudioError('UNSUPPORTED_FORMAT', 'ogg: first stream is neither Vorbis nor Opus', {
    context: { format: FORMAT },
  });
}
