import { SAMPLE_RATE_HZ } from '../../core/params';
import type { Note } from '../../core/types';
import { renderPiano } from '../helpers/piano-synth';

/** 16-bit PCM mono WAV of `samples` (−1…1). */
export function wavBytes(samples: Float32Array, sampleRateHz = SAMPLE_RATE_HZ): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, samples[i] ?? 0)) * 32767), true);
  }
  return bytes;
}

/** A short piece: a C major arpeggio then a chord, `seconds` long at most. */
export function shortPieceNotes(): Note[] {
  const notes: Note[] = [60, 64, 67, 72].map((pitch, i) => ({
    pitch,
    onsetSeconds: 0.2 + i * 0.4,
    offsetSeconds: 0.55 + i * 0.4,
    velocity: 90,
  }));
  for (const pitch of [48, 55, 64]) notes.push({ pitch, onsetSeconds: 1.9, offsetSeconds: 2.6, velocity: 100 });
  return notes;
}

/** WAV bytes of `shortPieceNotes()` (3 s). */
export function shortPieceWav(): Uint8Array {
  return wavBytes(renderPiano(shortPieceNotes(), { durationSeconds: 3 }));
}
