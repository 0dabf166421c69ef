/**
 * A deterministic piano-like test piece for benchmarks: chords and a melody of decaying, slightly inharmonic
 * tones, synthesised block by block straight into a 16-bit PCM WAV in memory (so a 10-minute piece costs only its
 * WAV bytes). Not music, but it has what the DSP sees in piano music: dense onsets, overlapping decays, partials
 * up to 10 kHz, and neighbouring partials that beat.
 */

export interface PieceOptions {
  readonly seconds: number;
  /** @default 44100 */
  readonly sampleRateHz?: number;
  /** @default 1 */
  readonly seed?: number;
}

interface PieceNote {
  readonly start: number; // sample
  readonly length: number; // samples
  readonly hz: number;
  readonly gain: number;
}

const BLOCK_SECONDS = 1;
/** Partials per note (fewer where they would pass 10 kHz). */
const PARTIALS = 8;
/** String inharmonicity B of f_h = h·f0·√(1 + B·h²) (Fletcher 1964; ~1e-4 in the mid range of a piano). */
const INHARMONICITY = 1e-4;

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

function planNotes(seconds: number, rate: number, seed: number): PieceNote[] {
  const next = random(seed);
  const notes: PieceNote[] = [];
  const beat = 0.25; // s: 240 beats per minute of eighth notes, ~6 onsets/s with chords
  for (let t = 0.1; t < seconds - 0.5; t += beat) {
    const melody = 60 + Math.floor(next() * 24);
    notes.push({ start: Math.round(t * rate), length: Math.round(0.6 * rate), hz: 440 * 2 ** ((melody - 69) / 12), gain: 0.25 });
    if (Math.round(t / beat) % 4 === 0) {
      const root = 36 + Math.floor(next() * 18);
      for (const interval of [0, 7, 12, 16]) {
        notes.push({ start: Math.round(t * rate), length: Math.round(1.2 * rate), hz: 440 * 2 ** ((root + interval - 69) / 12), gain: 0.15 });
      }
    }
  }
  return notes;
}

/** Adds `note`'s samples in [blockStart, blockStart + block.length) to `block`. */
function renderNote(note: PieceNote, block: Float32Array, blockStart: number, rate: number): void {
  const from = Math.max(note.start, blockStart);
  const to = Math.min(note.start + note.length, blockStart + block.length);
  if (to <= from) return;
  const attack = 0.003 * rate;
  for (let h = 1; h <= PARTIALS; h++) {
    const hz = h * note.hz * Math.sqrt(1 + INHARMONICITY * h * h);
    if (hz > 10_000) break;
    const omega = (2 * Math.PI * hz) / rate;
    // Higher partials decay faster, as on a piano.
    const decay = Math.exp(-(2 + 1.5 * h) / rate);
    const offset = from - note.start;
    // Recursive oscillator: rotate (c, s) by ω each sample, so a note costs a few multiplies per sample per partial.
    let c = Math.cos(omega * offset);
    let s = Math.sin(omega * offset);
    const cw = Math.cos(omega);
    const sw = Math.sin(omega);
    let envelope = (note.gain / h) * decay ** offset;
    for (let n = from; n < to; n++) {
      const age = n - note.start;
      const ramp = age < attack ? age / attack : 1;
      block[n - blockStart] = block[n - blockStart]! + envelope * ramp * s;
      const c2 = c * cw - s * sw;
      s = s * cw + c * sw;
      c = c2;
      envelope *= decay;
    }
  }
}

/** Renders the piece block by block, handing each block (reused between calls) and its first frame to `sink`. */
function renderBlocks(options: PieceOptions, sink: (block: Float32Array, blockStart: number) => void): void {
  const rate = options.sampleRateHz ?? 44_100;
  const frames = Math.round(options.seconds * rate);
  const notes = planNotes(options.seconds, rate, options.seed ?? 1);
  const blockLength = Math.round(BLOCK_SECONDS * rate);
  const block = new Float32Array(blockLength);
  let first = 0; // notes are sorted by start; skip those that ended before the block
  for (let blockStart = 0; blockStart < frames; blockStart += blockLength) {
    block.fill(0);
    const view = block.subarray(0, Math.min(blockLength, frames - blockStart));
    while (first < notes.length && notes[first]!.start + 2 * rate < blockStart) first++;
    for (let i = first; i < notes.length && notes[i]!.start < blockStart + view.length; i++) {
      renderNote(notes[i]!, view, blockStart, rate);
    }
    sink(view, blockStart);
  }
}

/** The piece as a mono 16-bit PCM WAV file. */
export function renderPieceWav(options: PieceOptions): Uint8Array {
  const rate = options.sampleRateHz ?? 44_100;
  const frames = Math.round(options.seconds * rate);
  const bytes = new Uint8Array(44 + 2 * frames);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + 2 * frames, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, 2 * frames, true);
  renderBlocks(options, (block, blockStart) => {
    for (let i = 0; i < block.length; i++) {
      const v = Math.max(-1, Math.min(1, block[i]!));
      view.setInt16(44 + 2 * (blockStart + i), Math.round(v * 32767), true);
    }
  });
  return bytes;
}

/** The piece as float samples at `sampleRateHz` (for stages that start from decoded audio). */
export function renderPieceSamples(options: PieceOptions): Float32Array {
  const rate = options.sampleRateHz ?? 44_100;
  const out = new Float32Array(Math.round(options.seconds * rate));
  renderBlocks(options, (block, blockStart) => out.set(block, blockStart));
  return out;
}
