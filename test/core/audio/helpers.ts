import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '../../fixtures/audio');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

/** A sine of `hz` at `rateHz`, amplitude `amplitude`, `frames` samples long. */
export function sine(hz: number, rateHz: number, frames: number, amplitude = 0.5): Float64Array {
  const out = new Float64Array(frames);
  for (let i = 0; i < frames; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rateHz);
  return out;
}

export interface WavSpec {
  rateHz: number;
  channels: number;
  /** 'pcm' with bits 8/16/24/32, or 'float' with 32/64. */
  encoding: 'pcm' | 'float';
  bits: number;
  extensible?: { validBits: number };
}

/**
 * Writes a WAV file by hand: RIFF header, fmt chunk (16 bytes, or 40 for WAVE_FORMAT_EXTENSIBLE), a LIST chunk
 * before data (readers must skip unknown chunks), then data. Channel c carries `signal` scaled by 1/(c+1), so every
 * channel differs but all share the pitch.
 */
export function writeWav(spec: WavSpec, signal: Float64Array): Uint8Array {
  const bytesPerSample = spec.bits / 8;
  const blockAlign = bytesPerSample * spec.channels;
  const dataSize = signal.length * blockAlign;
  const fmtSize = spec.extensible ? 40 : 16;
  const list = new TextEncoder().encode('INFOISFT\x06\x00\x00\x00tests\x00');
  const total = 12 + (8 + fmtSize) + (8 + list.length) + (8 + dataSize) + (dataSize & 1);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const text = (offset: number, s: string): void => {
    for (let i = 0; i < s.length; i++) bytes[offset + i] = s.charCodeAt(i);
  };
  text(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  const tag = spec.encoding === 'pcm' ? 1 : 3;
  view.setUint16(20, spec.extensible ? 0xfffe : tag, true);
  view.setUint16(22, spec.channels, true);
  view.setUint32(24, spec.rateHz, true);
  view.setUint32(28, spec.rateHz * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, spec.bits, true);
  if (spec.extensible) {
    view.setUint16(36, 22, true);
    view.setUint16(38, spec.extensible.validBits, true);
    view.setUint32(40, (1 << spec.channels) - 1, true);
    view.setUint16(44, tag, true);
    bytes.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 46);
  }
  let offset = 20 + fmtSize;
  text(offset, 'LIST');
  view.setUint32(offset + 4, list.length, true);
  bytes.set(list, offset + 8);
  offset += 8 + list.length;
  text(offset, 'data');
  view.setUint32(offset + 4, dataSize, true);
  offset += 8;
  for (let i = 0; i < signal.length; i++) {
    for (let c = 0; c < spec.channels; c++, offset += bytesPerSample) {
      const v = (signal[i] as number) / (c + 1);
      if (spec.encoding === 'float') {
        if (spec.bits === 32) view.setFloat32(offset, v, true);
        else view.setFloat64(offset, v, true);
      } else if (spec.bits === 8) {
        view.setUint8(offset, Math.round(v * 127) + 128);
      } else if (spec.bits === 16) {
        view.setInt16(offset, Math.round(v * 32767), true);
      } else if (spec.bits === 24) {
        const q = Math.round(v * 8388607);
        view.setUint16(offset, q & 0xffff, true);
        view.setInt8(offset + 2, q >> 16);
      } else {
        view.setInt32(offset, Math.round(v * 2147483647), true);
      }
    }
  }
  return bytes;
}

/**
 * Frequency of a (near-)pure tone from its rising zero crossings, interpolated between samples, over
 * `samples[from, to)`: (crossings − 1) periods between the first and last crossing.
 */
export function zeroCrossingHz(samples: Float32Array, rateHz: number, from = 0, to = samples.length): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = Math.max(1, from); i < to; i++) {
    const a = samples[i - 1] as number;
    const b = samples[i] as number;
    if (a < 0 && b >= 0) {
      const t = i - 1 + a / (a - b);
      if (first < 0) first = t;
      last = t;
      count++;
    }
  }
  return ((count - 1) * rateHz) / (last - first);
}

/** Root-mean-square level of `samples[from, to)`, in dB relative to a full-scale sine (RMS 1/√2). */
export function levelDb(samples: Float32Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] as number) ** 2;
  return 10 * Math.log10(sum / (to - from) / 0.5);
}

/** Deterministic bytes (xorshift32), so a "random" input is the same on every run and its expected code is fixed. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
