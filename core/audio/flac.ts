import { startsWith, u24be, u32be } from './bytes';
import { checkStreamShape, corrupt, truncated } from './limits';

/** What a FLAC file's STREAMINFO says. */
export interface FlacInfo {
  readonly sampleRateHz: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** Total sample frames; 0 when the encoder did not know (the format allows it). */
  readonly frames: number;
  readonly audioOffset: number;
}

const FORMAT = 'flac';
const STREAMINFO = 0;
const INVALID_BLOCK_TYPE = 127;

/** Parses the metadata blocks from the `fLaC` marker at `start` up to the first audio frame. */
export function parseFlacHeader(bytes: Uint8Array, start: number): FlacInfo {
  let offset = start + 4;
  if (offset > bytes.length) throw truncated(FORMAT, 'file ends inside the fLaC marker');
  let info: Omit<FlacInfo, 'audioOffset'> | undefined;
  for (let last = false; !last; ) {
    if (offset + 4 > bytes.length) throw truncated(FORMAT, `file ends inside a metadata block header at byte ${offset}`);
    const head = bytes[offset] as number;
    last = (head & 0x80) !== 0;
    const type = head & 0x7f;
    const length = u24be(bytes, offset + 1);
    const body = offset + 4;
    if (body + length > bytes.length) {
      throw truncated(FORMAT, `metadata block at byte ${offset} promises ${length} bytes, ${bytes.length - body} follow`);
    }
    if (type === INVALID_BLOCK_TYPE) throw corrupt(FORMAT, `invalid metadata block type at byte ${offset}`);
    if (info === undefined) {
      if (type !== STREAMINFO || length !== 34) throw corrupt(FORMAT, 'first metadata block is not a 34-byte STREAMINFO');
      const b12 = bytes[body + 12] as number;
      const b13 = bytes[body + 13] as number;
      const sampleRateHz = (u24be(bytes, body + 10) >> 4) & 0xfffff;
      const channels = ((b12 >> 1) & 7) + 1;
      const bitsPerSample = (((b12 & 1) << 4) | (b13 >> 4)) + 1;
      const frames = (b13 & 0x0f) * 0x1_0000_0000 + u32be(bytes, body + 14);
      if (bitsPerSample < 4) throw corrupt(FORMAT, `${bitsPerSample} bits per sample`, { bitsPerSample });
      checkStreamShape(FORMAT, sampleRateHz, channels);
      info = { sampleRateHz, channels, bitsPerSample, frames };
    } else if (type === STREAMINFO) {
      throw corrupt(FORMAT, `second STREAMINFO block at byte ${offset}`);
    }
    offset = body + length;
  }
  if (info === undefined) throw corrupt(FORMAT, 'no STREAMINFO block');
  return { ...info, audioOffset: offset };
}

/** True when `offset` holds a FLAC frame sync code (14 bits of 1, then a reserved 0, then the blocking-strategy bit). */
export function isFlacFrameSync(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] === 0xff && ((bytes[offset + 1] ?? 0) & 0xfe) === 0xf8;
}

function isFlacFramePrefix(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] === 0xff && (offset + 1 >= bytes.length || ((bytes[offset + 1] as number) & 0xfe) === 0xf8);
}

export function looksLikeFlac(bytes: Uint8Array, offset: number): boolean {
  return startsWith(bytes, offset, 'fLaC');
}

// CRC-8 (polynomial x^8+x^2+x+1) of frame headers and CRC-16 (x^16+x^15+x^2+1) of whole frames, RFC 9639 §9.
const CRC8 = crcTable(0x07, 8);
const CRC16 = crcTable(0x8005, 16);

function crcTable(poly: number, width: number): Uint16Array {
  const top = 1 << (width - 1);
  const mask = (1 << width) - 1;
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << (width - 8);
    for (let k = 0; k < 8; k++) r = r & top ? ((r << 1) ^ poly) & mask : (r << 1) & mask;
    table[i] = r;
  }
  return table;
}

interface FrameHeader {
  readonly headerBytes: number;
  readonly blockSize: number;
  /** Frame number (fixed block size) or first sample number (variable block size). */
  readonly number: number;
  readonly variable: boolean;
}

/** Decodes the frame header at `offset`, or undefined when it is not one (bad sync, reserved values or CRC-8). */
function readFrameHeader(bytes: Uint8Array, offset: number): FrameHeader | undefined {
  if (!isFlacFrameSync(bytes, offset) || offset + 6 > bytes.length) return undefined;
  const variable = ((bytes[offset + 1] as number) & 1) === 1;
  const b2 = bytes[offset + 2] as number;
  const b3 = bytes[offset + 3] as number;
  const sizeCode = b2 >> 4;
  const rateCode = b2 & 0x0f;
  if (sizeCode === 0 || rateCode === 15 || b3 >> 4 > 10 || ((b3 >> 1) & 7) === 3 || (b3 & 1) !== 0) return undefined;
  // The frame or sample number, coded like UTF-8 (up to 7 bytes for 36-bit sample numbers).
  let p = offset + 4;
  const lead = bytes[p] as number;
  let extra = 0;
  while (extra < 7 && lead & (0x80 >> extra)) extra++;
  if (extra === 1 || extra === 7 || (!variable && extra > 5)) return undefined;
  let number = extra === 0 ? lead : lead & (0x7f >> extra);
  for (let i = 1; i < extra; i++) {
    const b = bytes[p + i];
    if (b === undefined || (b & 0xc0) !== 0x80) return undefined;
    number = number * 64 + (b & 0x3f);
  }
  p += Math.max(1, extra);
  let blockSize: number;
  if (sizeCode === 1) blockSize = 192;
  else if (sizeCode <= 5) blockSize = 576 << (sizeCode - 2);
  else if (sizeCode === 6) blockSize = (bytes[p++] ?? 0) + 1;
  else if (sizeCode === 7) {
    blockSize = (((bytes[p] ?? 0) << 8) | (bytes[p + 1] ?? 0)) + 1;
    p += 2;
  } else blockSize = 256 << (sizeCode - 8);
  if (rateCode === 12) p += 1;
  else if (rateCode === 13 || rateCode === 14) p += 2;
  if (p >= bytes.length) return undefined;
  let crc = 0;
  for (let i = offset; i < p; i++) crc = CRC8[(crc ^ (bytes[i] as number)) & 0xff] as number;
  if (crc !== bytes[p]) return undefined;
  return { headerBytes: p + 1 - offset, blockSize, number, variable };
}

/**
 * Walks every audio frame from `audioOffset`, checking each header's CRC-8 and each frame's CRC-16, because the
 * wasm decoder drops damaged or cut-off frames without reporting them. Returns the sample frames the file holds.
 * A frame that fails its CRC where its successor starts is CORRUPT_AUDIO; a last frame that ends early is
 * TRUNCATED_AUDIO.
 */
export function scanFlacFrames(bytes: Uint8Array, audioOffset: number): FlacFrameScan {
  const end = bytes.length;
  let header = readFrameHeader(bytes, audioOffset);
  // A frame header is at most 16 bytes; fewer than that after a sync code is a file cut inside the first header.
  if (header === undefined && bytes.length - audioOffset < 16 && isFlacFramePrefix(bytes, audioOffset)) {
    throw truncated(FORMAT, `file ends inside the first frame header (byte ${audioOffset})`, { offset: audioOffset });
  }
  if (header === undefined) throw corrupt(FORMAT, `no valid frame header at byte ${audioOffset}`, { offset: audioOffset });
  let start = audioOffset;
  let samples = 0;
  let frameCount = 0;
  let crc = 0;
  for (let i = start; i < end; i++) {
    // A following frame can only start after this frame's header, a subframe byte and the 2-byte CRC-16.
    if (i > start + header.headerBytes + 2 && bytes[i] === 0xff) {
      const next = readFrameHeader(bytes, i);
      const expected = header.variable ? header.number + header.blockSize : header.number + 1;
      if (next !== undefined && next.variable === header.variable && next.number === expected) {
        if (crc !== 0) throw corrupt(FORMAT, `frame ${frameCount} at byte ${start} fails its CRC-16`, { offset: start });
        samples += header.blockSize;
        frameCount++;
        header = next;
        start = i;
        crc = 0;
      }
    }
    crc = ((crc << 8) ^ (CRC16[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number)) & 0xffff;
  }
  if (crc !== 0) {
    throw truncated(FORMAT, `last frame (${frameCount}, at byte ${start}) is cut short`, { offset: start, frameCount });
  }
  return { frames: samples + header.blockSize, lastFrameStart: start, lastBlockSize: header.blockSize };
}

/** What `scanFlacFrames` found: the sample frames the file holds and where its last audio frame starts. */
export interface FlacFrameScan {
  readonly frames: number;
  readonly lastFrameStart: number;
  readonly lastBlockSize: number;
}

/**
 * The file with a copy of its last audio frame appended. The wasm decoder (codec-parser) emits a frame only once it
 * has seen the next frame's header, and at the end of the stream it drops a last frame of a dozen bytes or so (a
 * short silent tail, as ffmpeg writes: 255 samples lost on every maps-synth file). With a copy behind it, the real
 * last frame is always emitted; the copy's own samples, when decoded, are cut off by the caller.
 */
export function withLastFrameRepeated(bytes: Uint8Array, scan: FlacFrameScan): Uint8Array {
  const last = bytes.subarray(scan.lastFrameStart);
  const padded = new Uint8Array(bytes.length + last.length);
  padded.set(bytes);
  padded.set(last, bytes.length);
  return padded;
}
