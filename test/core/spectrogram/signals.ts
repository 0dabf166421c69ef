import { SAMPLE_RATE_HZ } from '../../../core/params';

/** Test signals at SAMPLE_RATE_HZ, built by hand. */

/** `amplitude·sin(2π·hz·t)` for `seconds`. */
export function sine(hz: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE_HZ));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE_HZ);
  return out;
}

/**
 * A tone of `partials` harmonics (amplitude 1/h) starting at `startSeconds`, decaying as exp(−decayPerSecond·t),
 * inside a signal of `totalSeconds`.
 */
export function harmonicTone(options: {
  hz: number;
  startSeconds?: number;
  totalSeconds: number;
  decayPerSecond?: number;
  amplitude?: number;
  partials?: number;
}): Float32Array {
  const { hz, totalSeconds, startSeconds = 0, decayPerSecond = 0, amplitude = 0.3, partials = 3 } = options;
  const out = new Float32Array(Math.round(totalSeconds * SAMPLE_RATE_HZ));
  for (let i = Math.round(startSeconds * SAMPLE_RATE_HZ); i < out.length; i++) {
    const t = i / SAMPLE_RATE_HZ - startSeconds;
    const envelope = amplitude * Math.exp(-decayPerSecond * t);
    let v = 0;
    for (let h = 1; h <= partials; h++) v += Math.sin(2 * Math.PI * hz * h * t) / h;
    out[i] = envelope * v;
  }
  return out;
}

export function mix(...signals: Float32Array[]): Float32Array {
  const out = new Float32Array(Math.max(...signals.map((s) => s.length)));
  for (const s of signals) for (let i = 0; i < s.length; i++) out[i] = out[i]! + s[i]!;
  return out;
}
