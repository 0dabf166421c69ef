/**
 * A deterministic piano-like synthesiser for tests: given notes, it renders mono float32 audio at 16 kHz (by default)
 * that has what matters to a transcriber — inharmonic partials (stiff strings), a two-stage exponential decay that is
 * faster for higher partials and higher keys, a short hammer thump of filtered noise, a velocity-dependent loudness
 * and brightness, and a damper that cuts the note at its offset. It is not a good-sounding piano; it is a fast,
 * reproducible one: the same notes and seed always give the same samples.
 *
 * @example
 *   const samples = renderPiano([{ pitch: 60, onsetSeconds: 0.1, offsetSeconds: 0.6, velocity: 80 }]);
 */
import { SAMPLE_RATE_HZ, midiToHz, LOWEST_MIDI_PITCH, HIGHEST_MIDI_PITCH } from '../../core/params';
import type { Note } from '../../core/types';

export interface PianoSynthOptions {
  /** Output sample rate in Hz. @default SAMPLE_RATE_HZ (16 000) */
  readonly sampleRateHz?: number;
  /** Output length in seconds. @default last note's offset + 1 s (room for the release) */
  readonly durationSeconds?: number;
  /** Seed for partial phases and hammer noise. @default 1 */
  readonly seed?: number;
  /**
   * Scale the result so its peak is this value (linear, 0 < peak ≤ 1); `false` keeps the raw level, where a single
   * velocity-127 note peaks near 0.3. Relative loudness between notes is kept either way. @default 0.9
   */
  readonly normalisePeak?: number | false;
}

/** A small, fast, seedable PRNG (mulberry32): uniform in [0, 1). Tests use it to build reproducible inputs. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A partial is dropped once its envelope is this far below the note's peak (-80 dB): inaudible, and it saves time. */
const SILENCE = 1e-4;
/** Highest partial rendered, as a fraction of the sample rate (keeps aliasing-free headroom below Nyquist). */
const MAX_PARTIAL_FRACTION_OF_RATE = 0.45;
const MAX_PARTIALS = 40;
/** Damper release time constant, seconds: a damped piano string dies in roughly a tenth of a second. */
const DAMPER_TAU_SECONDS = 0.06;
/** Felt dampers settle onto the string over a few tens of milliseconds; an instant cut would click. */
const DAMPER_ENGAGE_SECONDS = 0.03;
/** Keys above this have no dampers on a real piano; they ring on after the key is released. */
const HIGHEST_DAMPED_PITCH = 88;

/**
 * Renders `notes` (MIDI pitch 21…108, times in seconds, velocity 1…127) to mono samples.
 * Returns a Float32Array of `round(durationSeconds · sampleRateHz)` samples.
 */
export function renderPiano(notes: readonly Note[], options: PianoSynthOptions = {}): Float32Array {
  const sampleRate = options.sampleRateHz ?? SAMPLE_RATE_HZ;
  const lastOffset = notes.reduce((latest, note) => Math.max(latest, note.offsetSeconds), 0);
  const duration = options.durationSeconds ?? lastOffset + 1;
  const length = Math.max(0, Math.round(duration * sampleRate));
  const out = new Float64Array(length);
  const random = createRandom(options.seed ?? 1);
  for (const note of notes) renderNote(out, note, sampleRate, random);

  const normalisePeak = options.normalisePeak ?? 0.9;
  let gain = 1;
  if (normalisePeak !== false) {
    let peak = 0;
    for (let i = 0; i < length; i++) peak = Math.max(peak, Math.abs(out[i] as number));
    gain = peak > 0 ? normalisePeak / peak : 1;
  }
  const result = new Float32Array(length);
  for (let i = 0; i < length; i++) result[i] = (out[i] as number) * gain;
  return result;
}

function renderNote(out: Float64Array, note: Note, sampleRate: number, random: () => number): void {
  if (note.pitch < LOWEST_MIDI_PITCH || note.pitch > HIGHEST_MIDI_PITCH) {
    throw new RangeError(`pitch ${note.pitch} is outside the piano (21…108)`);
  }
  const start = Math.round(note.onsetSeconds * sampleRate);
  if (start >= out.length) return;
  const releaseAt = note.pitch <= HIGHEST_DAMPED_PITCH ? Math.round(note.offsetSeconds * sampleRate) : Infinity;
  const f0 = midiToHz(note.pitch);
  const loudness = note.velocity / 127;
  // Perceived piano dynamics span ~35 dB from pp to ff; amplitude ∝ velocity² gives about that.
  const level = 0.3 * loudness ** 2;
  // Stiff-string inharmonicity coefficient: ~3e-5 in the bass to ~1e-3 at the top (Fletcher & Rossing, ch. 12).
  const inharmonicity = 1e-4 * 2 ** ((note.pitch - 48) / 18);
  // Harder strikes excite more upper partials: spectral slope from 1/n^2 (pp) to 1/n^1.1 (ff).
  const slope = 2 - 0.9 * loudness;
  const damperFactor = Math.exp(-1 / (DAMPER_TAU_SECONDS * sampleRate));
  const engageSamples = DAMPER_ENGAGE_SECONDS * sampleRate;

  const partials: { hz: number; amplitude: number }[] = [];
  let amplitudeSum = 0;
  for (let n = 1; n <= MAX_PARTIALS; n++) {
    const hz = n * f0 * Math.sqrt(1 + inharmonicity * n * n);
    if (hz > MAX_PARTIAL_FRACTION_OF_RATE * sampleRate) break;
    // Bass strings radiate their fundamental weakly (small soundboard at low frequencies).
    const radiation = Math.min(1, hz / 120);
    const amplitude = radiation / n ** slope;
    partials.push({ hz, amplitude });
    amplitudeSum += amplitude;
  }
  if (partials.length === 0) return;

  for (const { hz, amplitude } of partials) {
    const gain = (level * amplitude) / amplitudeSum;
    // Two-stage decay (prompt sound, then aftersound): both faster for higher frequencies, as in real strings.
    const slowTau = clamp(6 * (hz / 55) ** -0.7, 0.25, 8);
    const fastTau = slowTau / 6;
    const fastFactor = Math.exp(-1 / (fastTau * sampleRate));
    const slowFactor = Math.exp(-1 / (slowTau * sampleRate));
    const omega = (2 * Math.PI * hz) / sampleRate;
    const cosStep = Math.cos(omega);
    const sinStep = Math.sin(omega);
    const phase = 2 * Math.PI * random();
    let c = Math.cos(phase);
    let s = Math.sin(phase);
    let fast = 0.65;
    let slow = 0.35;
    let damper = 1;
    // A 2 ms raised-cosine attack: the hammer contact time at mezzo-forte.
    const attack = Math.max(1, Math.round(0.002 * sampleRate));
    for (let i = start; i < out.length; i++) {
      const k = i - start;
      const ramp = k < attack ? 0.5 - 0.5 * Math.cos((Math.PI * k) / attack) : 1;
      const envelope = (fast + slow) * damper;
      out[i] = (out[i] as number) + gain * ramp * envelope * s;
      const nextC = c * cosStep - s * sinStep;
      s = c * sinStep + s * cosStep;
      c = nextC;
      fast *= fastFactor;
      slow *= slowFactor;
      if (i >= releaseAt) {
        const engaged = (i - releaseAt) / engageSamples;
        damper *= engaged >= 1 ? damperFactor : Math.exp(-engaged / (DAMPER_TAU_SECONDS * sampleRate));
      }
      if (envelope < SILENCE) break;
    }
  }

  // Hammer thump: low-passed noise decaying in ~8 ms, louder and brighter for harder strikes.
  const thumpLevel = 0.04 * level * (0.5 + loudness);
  const thumpFactor = Math.exp(-1 / (0.008 * sampleRate));
  const smoothing = Math.exp((-2 * Math.PI * Math.min(4000, 800 + 4 * f0 + 2000 * loudness)) / sampleRate);
  let thump = thumpLevel;
  let filtered = 0;
  for (let i = start; i < out.length && thump > thumpLevel * SILENCE; i++) {
    filtered = smoothing * filtered + (1 - smoothing) * (2 * random() - 1);
    out[i] = (out[i] as number) + thump * filtered * 4;
    thump *= thumpFactor;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

export interface RandomPieceOptions {
  readonly seed: number;
  /** Number of onset events (distinct start times; a chord is one event). */
  readonly events: number;
  /** Inter-onset interval range in seconds, drawn log-uniformly per phrase (tempo changes between phrases). */
  readonly intervalSeconds?: readonly [number, number];
  /** Pitch range, MIDI. @default [21, 108] */
  readonly pitchRange?: readonly [number, number];
  /** Probability that an event repeats the previous event's pitches. @default 0.15 */
  readonly repeatProbability?: number;
  /** Largest chord. @default 4 */
  readonly maxChordSize?: number;
  /** Velocity range, drawn per phrase with per-note jitter: pp ≈ 20–35, ff ≈ 110–127. @default [20, 127] */
  readonly velocityRange?: readonly [number, number];
  /** Time of the first event, seconds. @default 0.3 */
  readonly startSeconds?: number;
}

/** A random piece and its onset events (sorted distinct start times, seconds). */
export interface RandomPiece {
  readonly notes: Note[];
  readonly onsetSeconds: number[];
}

/**
 * Builds a reproducible random piano piece: phrases of 4–16 events, each phrase with its own tempo and dynamic
 * level, events of single notes or chords (up to `maxChordSize`), some repeating the previous event's pitches, notes
 * held from 50 ms to 2 s (a note is cut before the same key is struck again).
 */
export function randomPiece(options: RandomPieceOptions): RandomPiece {
  const random = createRandom(options.seed);
  const [minInterval, maxInterval] = options.intervalSeconds ?? [0.06, 1.2];
  const [lowPitch, highPitch] = options.pitchRange ?? [LOWEST_MIDI_PITCH, HIGHEST_MIDI_PITCH];
  const [lowVelocity, highVelocity] = options.velocityRange ?? [20, 127];
  const repeatProbability = options.repeatProbability ?? 0.15;
  const maxChord = options.maxChordSize ?? 4;
  const between = (low: number, high: number): number => low + (high - low) * random();
  const integer = (low: number, high: number): number => Math.floor(between(low, high + 1));

  const notes: { pitch: number; onsetSeconds: number; offsetSeconds: number; velocity: number }[] = [];
  const onsetSeconds: number[] = [];
  let time = options.startSeconds ?? 0.3;
  let previous: number[] = [];
  let phraseLeft = 0;
  let interval = minInterval;
  let dynamic = lowVelocity;
  for (let event = 0; event < options.events; event++) {
    if (phraseLeft === 0) {
      phraseLeft = integer(4, 16);
      interval = minInterval * (maxInterval / minInterval) ** random();
      dynamic = between(lowVelocity, highVelocity);
    }
    phraseLeft--;
    let pitches: number[];
    if (previous.length > 0 && random() < repeatProbability) {
      pitches = previous;
    } else {
      const size = integer(1, maxChord);
      const set = new Set<number>();
      // Chords cluster within about an octave and a half of a root, as hands do.
      const root = integer(lowPitch, highPitch);
      while (set.size < size) set.add(clamp(root + integer(-9, 9), lowPitch, highPitch));
      pitches = [...set].sort((a, b) => a - b);
    }
    previous = pitches;
    onsetSeconds.push(round6(time));
    for (const pitch of pitches) {
      const velocity = Math.round(clamp(dynamic + between(-8, 8), 1, 127));
      notes.push({ pitch, onsetSeconds: round6(time), offsetSeconds: round6(time + between(0.05, 2)), velocity });
    }
    // Jitter each interval by ±15 % so events do not sit on a grid that could flatter frame alignment.
    time += interval * between(0.85, 1.15);
  }
  // A key must be released before it is struck again.
  const byPitch = new Map<number, typeof notes>();
  for (const note of notes) byPitch.set(note.pitch, [...(byPitch.get(note.pitch) ?? []), note]);
  for (const sequence of byPitch.values()) {
    for (let i = 0; i + 1 < sequence.length; i++) {
      const current = sequence[i];
      const next = sequence[i + 1];
      if (current && next && current.offsetSeconds > next.onsetSeconds - 0.01) {
        current.offsetSeconds = round6(Math.max(current.onsetSeconds + 0.02, next.onsetSeconds - 0.01));
      }
    }
  }
  return { notes, onsetSeconds };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
