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

export function looksLikeFlac(bytes: Uint8Array, offset: number): boolean {
  return startsWith(bytes, offset, 'fLaC');
}
