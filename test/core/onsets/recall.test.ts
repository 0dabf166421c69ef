/**
 * Onset detection on synthetic piano pieces: the engine's real path (piano-like audio → dynamic-Q spectrogram →
 * detectOnsets) against known strike times. Missing an onset loses its notes for good, so the bar is recall.
 */
import { detectOnsets } from '../../../core/onsets';
import { FRAME_RATE_HZ } from '../../../core/params';
import { computeSpectrogram } from '../../../core/spectrogram';
import { randomPiece, renderPiano } from '../../helpers/piano-synth';

const TOLERANCE_SECONDS = 0.03;

/**
 * One-to-one matching of sorted detections to sorted references within the tolerance (greedy in time, which is
 * optimal here because both lists are sorted and references are further apart than twice the tolerance).
 */
function matchOnsets(reference: readonly number[], detected: readonly number[]): { hits: number; errors: number[] } {
  let next = 0;
  let hits = 0;
  const errors: number[] = [];
  for (const time of reference) {
    while (next < detected.length && detected[next]! < time - TOLERANCE_SECONDS - 1e-9) next++;
    if (next < detected.length && Math.abs(detected[next]! - time) <= TOLERANCE_SECONDS + 1e-9) {
      errors.push(detected[next]! - time);
      hits++;
      next++;
    }
  }
  return { hits, errors };
}

describe('detectOnsets on synthetic piano pieces', () => {
  it('finds ≥ 98 % of 600 strikes within 30 ms across tempi, pp…ff, chords and repeated notes', () => {
    let references = 0;
    let detections = 0;
    let hits = 0;
    const errors: number[] = [];
    const pieces = [
      // Varied: the default mix of tempi (60 ms … 1.2 s between strikes), dynamics and chords.
      { seed: 11, events: 150 },
      { seed: 12, events: 150 },
      // Fast and quiet: semiquavers at 60–150 ms, pp to mp.
      { seed: 13, events: 100, intervalSeconds: [0.06, 0.15], velocityRange: [20, 70] },
      // Slow and loud with big chords and many repeated strikes of the same keys.
      { seed: 14, events: 100, intervalSeconds: [0.3, 1.5], velocityRange: [90, 127], repeatProbability: 0.4, maxChordSize: 6 },
      // Mixed dynamics within phrases of moderate tempo.
      { seed: 15, events: 100, intervalSeconds: [0.1, 0.5] },
    ] as const;
    for (const options of pieces) {
      const piece = randomPiece(options);
      const spectrogram = computeSpectrogram(renderPiano(piece.notes, { seed: options.seed }));
      const detected = Array.from(detectOnsets(spectrogram), (frame) => frame / FRAME_RATE_HZ);
      const match = matchOnsets(piece.onsetSeconds, detected);
      references += piece.onsetSeconds.length;
      detections += detected.length;
      hits += match.hits;
      errors.push(...match.errors);
    }
    const recall = hits / references;
    const precision = hits / detections;
    const meanError = errors.reduce((sum, e) => sum + e, 0) / errors.length;
    const meanAbsError = errors.reduce((sum, e) => sum + Math.abs(e), 0) / errors.length;
    console.log(
      `onsets: ${references} strikes, ${detections} detections, recall ${recall.toFixed(4)}, precision ` +
        `${precision.toFixed(4)}, mean error ${(meanError * 1000).toFixed(1)} ms, mean |error| ${(meanAbsError * 1000).toFixed(1)} ms`,
    );
    expect(references).toBeGreaterThanOrEqual(500);
    expect(recall).toBeGreaterThanOrEqual(0.98);
    expect(Math.abs(meanError)).toBeLessThan(0.01);
  });
});
