import { BIN_COUNT, BINS_PER_OCTAVE, HOP_SAMPLES, SAMPLE_RATE_HZ, binCentreHz } from '../params';

/**
 * One analysis resolution. A bin centred on f Hz is analysed with a Hann window of
 * `min(cyclesPerWindow / f, maxWindowSeconds)` seconds: constant Q (Q ≈ cyclesPerWindow / 1.5, the Hann window's
 * equivalent noise bandwidth being 1.5 / duration) down to the frequency where the cap takes over, constant
 * bandwidth below it. This is the variable-Q transform of Schörkhuber, Klapuri, Holighaus & Dörfler (AES 53rd
 * conference, 2014), with the bandwidth offset γ expressed as a window-length cap.
 */
export interface ResolutionSettings {
  /** Periods of the bin's centre frequency that fit in its window. */
  readonly cyclesPerWindow: number;
  /** Longest window, seconds (bounds time smearing of the lowest keys). */
  readonly maxWindowSeconds: number;
}

/** One octave group of the multi-rate scheme: bins analysed at a decimated sample rate. */
export interface BinGroup {
  readonly firstBin: number;
  readonly binCount: number;
  /** Decimation factor from SAMPLE_RATE_HZ (a power of two that divides HOP_SAMPLES). */
  readonly decimation: number;
  readonly sampleRateHz: number;
  /**
   * Per resolution, runs of bins sharing one FFT length: the smallest power of two that holds each bin's window,
   * so every spectral kernel spans only ~4–8 FFT bins of main lobe.
   */
  readonly segments: { readonly low: readonly FftSegment[]; readonly high: readonly FftSegment[] };
  /**
   * The high-Q companion of the dynamic rule is analysed every `highFrameStride` frames and interpolated (in log
   * magnitude) between: the largest power of two whose hop is ≤ a quarter of the group's shortest high-Q window
   * (75 % overlap, where a Hann analysis' envelope is oversampled).
   */
  readonly highFrameStride: number;
}

/** Bins [firstBin, firstBin + binCount) of a group analysed with one FFT length. */
export interface FftSegment {
  readonly firstBin: number;
  readonly binCount: number;
  readonly fftSize: number;
}

/** Top bin of a group may sit at most this fraction of the group's sample rate (leaves room for the decimation
 * filter's transition band and the low-Q window's bandwidth). */
const MAX_TOP_BIN_FRACTION = 0.28;
const LOW_Q: ResolutionSettings = { cyclesPerWindow: 20, maxWindowSeconds: 0.15 };
const HIGH_Q: ResolutionSettings = { cyclesPerWindow: 60, maxWindowSeconds: 0.5 };

function windowSeconds(resolution: ResolutionSettings, hz: number): number {
  return Math.min(resolution.cyclesPerWindow / hz, resolution.maxWindowSeconds);
}

/** Smallest power of two (≥ 16) that holds the window of `bin` at `rate` (2·⌈span/2⌉ − 1 samples). */
function fftLength(resolution: ResolutionSettings, bin: number, rate: number): number {
  const taps = 2 * Math.ceil((windowSeconds(resolution, binCentreHz(bin)) * rate) / 2) - 1;
  let size = 16;
  while (size < taps) size *= 2;
  return size;
}

/**
 * Bins [first, top) split into runs of equal FFT length, top-down. A run of fewer than MIN_SEGMENT_BINS bins joins
 * the next run with a longer FFT: one more FFT per frame costs more than a few wider kernels.
 */
function segments(resolution: ResolutionSettings, first: number, top: number, rate: number): FftSegment[] {
  const runs: FftSegment[] = [];
  let runTop = top;
  for (let bin = top - 1; bin >= first; bin--) {
    const size = fftLength(resolution, bin, rate);
    if (bin === first || fftLength(resolution, bin - 1, rate) !== size) {
      runs.push({ firstBin: bin, binCount: runTop - bin, fftSize: size });
      runTop = bin;
    }
  }
  const merged: FftSegment[] = [];
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    const next = runs[i + 1];
    if (next && run.binCount < MIN_SEGMENT_BINS) {
      runs[i + 1] = { firstBin: next.firstBin, binCount: next.binCount + run.binCount, fftSize: next.fftSize };
    } else {
      merged.push(run);
    }
  }
  return merged;
}

const MIN_SEGMENT_BINS = 16;

function highFrameStride(top: number, rate: number, decimation: number): number {
  const shortest = windowSeconds(HIGH_Q, binCentreHz(top - 1)) * rate;
  const hop = HOP_SAMPLES / decimation;
  let stride = 1;
  while (2 * stride * hop <= shortest / 4) stride *= 2;
  return stride;
}

/**
 * Split the 352 bins into octave groups from the top: each octave is analysed at the lowest sample rate that keeps
 * its top bin below MAX_TOP_BIN_FRACTION of the rate, halving per octave while the hop stays a whole
 * number of samples (160 = 5·32, so the lowest rate is 500 Hz and bins 0–111 share it).
 */
function planGroups(): BinGroup[] {
  const groups: BinGroup[] = [];
  let top = BIN_COUNT;
  let decimation = 1;
  while (top > 0) {
    const rate = SAMPLE_RATE_HZ / decimation;
    const canHalveAgain = HOP_SAMPLES % (decimation * 2) === 0;
    const first = canHalveAgain ? Math.max(0, top - BINS_PER_OCTAVE) : 0;
    if (binCentreHz(top - 1) > MAX_TOP_BIN_FRACTION * rate) throw new Error('bin plan: top bin above the group limit');
    groups.push({
      firstBin: first,
      binCount: top - first,
      decimation,
      sampleRateHz: rate,
      segments: { low: segments(LOW_Q, first, top, rate), high: segments(HIGH_Q, first, top, rate) },
      highFrameStride: highFrameStride(top, rate, decimation),
    });
    top = first;
    decimation *= 2;
  }
  return groups;
}

/**
 * Every parameter that shapes the spectrogram, as plain JSON. It is hashed into feature files and model cards
 * (core/features), so change nothing here without retraining.
 */
export const SPECTROGRAM_SETTINGS = {
  version: 1,
  window: 'hann',
  /** Default analysis: short windows, sharp onsets; neighbouring partials within ~1.5 semitones beat. */
  lowQ: LOW_Q,
  /** Companion analysis used where the low-Q bins beat: resolves partials a semitone apart (main lobe ±2/60 of f). */
  highQ: HIGH_Q,
  /** Spectral-kernel entries below this fraction of the kernel's peak are dropped (Brown & Puckette 1992). */
  kernelThreshold: 0.01,
  /** Linear-phase half-band Kaiser FIR used for each 2:1 decimation: taps (odd) and Kaiser β (≈ 80 dB stop band). */
  decimationFilter: { taps: 27, kaiserBeta: 7.86 },
  groups: planGroups(),
  /**
   * The dynamic-Q rule (core/spectrogram/dynamic-q.ts, docs/spectrogram.md). For each bin, over a centred span of
   * `2·spanFrames + 1` frames, the oscillation of the level in dB, O = max(0, total variation − 2·(max − min)) (zero
   * for any single rise, decay or bump; ≈ 2(k−1)·depth for k cycles of amplitude modulation), is measured on the
   * low-Q and on the high-Q analysis. Where O_low exceeds O_high by `thresholdDb` (the low-Q bin beats, the high-Q
   * bin does not) the output moves linearly from low-Q toward high-Q, reaching it at `fullDb`. Levels below
   * `floorDb` (relative to the amplitude reference) are clamped first, so noise in near-silence never triggers it.
   * The weight is then max-filtered over ±`spreadBins` bins.
   */
  dynamicQ: { spanFrames: 16, ignoredCycles: 2, floorDb: -60, thresholdDb: 12, fullDb: 36, spreadBins: 1 },
  /**
   * Output scale: v = max(0, 1 + 20·log10(|X| / ref) / rangeDb), where |X| is calibrated so a sine of amplitude A on
   * a bin's centre reads A, and ref = √2 × the `referencePercentile` of the signal's RMS over hops of HOP_SAMPLES
   * (the peak of a sine with that RMS). Gain-invariant: scaling the input by any factor leaves the output unchanged.
   * A single loud sustained note reads ≈ 1, a partial 80 dB down reads 0 (silence).
   */
  amplitude: { scale: 'dB-above-floor', rangeDb: 80, referencePercentile: 0.95, silenceValue: 0 },
} as const;

export type SpectrogramSettings = typeof SPECTROGRAM_SETTINGS;

/** Window duration (seconds) of bin `bin` at the given resolution. */
export function binWindowSeconds(bin: number, resolution: ResolutionSettings): number {
  return windowSeconds(resolution, binCentreHz(bin));
}
