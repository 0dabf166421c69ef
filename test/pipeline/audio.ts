import { SAMPLE_RATE_HZ } from '../../core/params';
import type { Note } from '../../core/types';
import { encodeWav16 } from '../fixtures/model/wav';
import { renderPiano } from '../helpers/piano-synth';

/** 16-bit PCM mono WAV of `samples` (−1…1); one encoder serves every test (test/fixtures/model/wav.ts). */
export function wavBytes(samples: Float32Array, sampleRateHz = SAMPLE_RATE_HZ): Uint8Array {
  return encodeWav16(samples, sampleRateHz);
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
