/** Small, bounds-checked little-/big-endian readers over a byte array; callers check lengths first. */

export function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = offset; i < offset + length && i < bytes.length; i++) text += String.fromCharCode(bytes[i] ?? 0);
  return text;
}

export function startsWith(bytes: Uint8Array, offset: number, text: string): boolean {
  if (offset + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** True when the bytes that exist are a prefix of `text` placed at `offset` (the file may have been cut inside it). */
export function isPrefixOf(bytes: Uint8Array, offset: number, text: string): boolean {
  const available = Math.min(text.length, bytes.length - offset);
  if (available <= 0) return false;
  for (let i = 0; i < available; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

export function u16le(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8);
}

export function u32le(bytes: Uint8Array, offset: number): number {
  return (u16le(bytes, offset) + (bytes[offset + 2] ?? 0) * 0x1_0000 + (bytes[offset + 3] ?? 0) * 0x100_0000) >>> 0;
}

export function u24be(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 16) | ((bytes[offset + 1] ?? 0) << 8) | (bytes[offset + 2] ?? 0);
}

export function u32be(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) * 0x100_0000 + u24be(bytes, offset + 1)) >>> 0;
}

/** A 64-bit little-endian unsigned value as a double (exact below 2^53, which any real granule position is). */
export function u64le(bytes: Uint8Array, offset: number): number {
  return u32le(bytes, offset) + u32le(bytes, offset + 4) * 0x1_0000_0000;
}
