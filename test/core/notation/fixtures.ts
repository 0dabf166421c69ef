/** Hand-built performances for the notation tests. */
import type { Note } from '../../../core/types';

/** A deterministic pseudo-random generator in [0, 1) (Park–Miller), so jittered inputs are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed % 2147483647;
  if (state <= 0) state += 2147483646;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

/** [MIDI pitch, start beat, length in beats, velocity?] */
export type BeatNote = readonly [number, number, number, number?];

/**
 * Notes at a steady tempo: beat b is played at `offsetSeconds + b·60/bpm`, each onset and offset moved by up to
 * ±jitterSeconds (uniform, seeded).
 */
export function performed(
  spec: readonly BeatNote[],
  options: { bpm?: number; jitterSeconds?: number; seed?: number; offsetSeconds?: number; legato?: number } = {},
): Note[] {
  const period = 60 / (options.bpm ?? 120);
  const random = seededRandom(options.seed ?? 1);
  const jitter = (): number => ((options.jitterSeconds ?? 0) * (2 * random() - 1));
  const offset = options.offsetSeconds ?? 0;
  return spec.map(([pitch, start, length, velocity]) => {
    const onsetSeconds = Math.max(0, offset + start * period + jitter());
    return {
      pitch,
      onsetSeconds,
      offsetSeconds: Math.max(onsetSeconds + 0.02, offset + (start + length * (options.legato ?? 0.95)) * period + jitter()),
      velocity: velocity ?? 70,
    };
  });
}

/** A loud bass note on every downbeat (the accent that fixes metre and phase), `bars` bars of `beats` beats. */
export function bassDownbeats(bars: number, beats = 4, pitch = 48): BeatNote[] {
  return Array.from({ length: bars }, (_, bar) => [pitch, bar * beats, beats, 110] as const);
}
