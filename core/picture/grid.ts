import type { Score } from '../notation/model';

/** Where the score's bars and beats fall in the performance, seconds. */
export interface TimeGrid {
  /** Start of every bar (the closing bar line included), ascending. */
  readonly barSeconds: readonly number[];
  /** Every beat that is not a bar start, ascending: quarter notes, or dotted quarters in 6/8, 9/8 and 12/8. */
  readonly beatSeconds: readonly number[];
}

/**
 * The bar and beat times of a score, for drawing over the picture: bar k starts after the durations of bars
 * 0 … k−1, and a position in quarter notes becomes seconds through the score's performed beat times.
 */
export function timeGridOf(score: Score): TimeGrid {
  const measures = score.parts[0]?.measures ?? [];
  const { beats, beatType } = score.timeSignature;
  // Compound metres count dotted quarters (three eighths); every other metre counts its beat type.
  const beatQuarters = beatType === 8 && beats % 3 === 0 && beats > 3 ? 1.5 : 4 / beatType;
  const barSeconds: number[] = [];
  const beatSeconds: number[] = [];
  let start = 0;
  for (const measure of measures) {
    const length = measure.duration / score.divisions;
    barSeconds.push(secondsAt(score.beatTimesSeconds, start));
    for (let beat = beatQuarters; beat < length - 1e-9; beat += beatQuarters) {
      beatSeconds.push(secondsAt(score.beatTimesSeconds, start + beat));
    }
    start += length;
  }
  if (measures.length > 0) barSeconds.push(secondsAt(score.beatTimesSeconds, start));
  return { barSeconds, beatSeconds };
}

/** The performed time of a position in quarter notes from the score's start, between (or past) the beat times. */
function secondsAt(beatTimes: readonly number[], quarters: number): number {
  const last = beatTimes.length - 1;
  if (last < 1) return (beatTimes[0] ?? 0) + quarters * 0.5;
  const k = Math.min(Math.max(0, Math.floor(quarters)), last - 1);
  const t0 = beatTimes[k] as number;
  const t1 = beatTimes[k + 1] as number;
  return t0 + (quarters - k) * (t1 - t0);
}
