import { PNG } from 'pngjs';
import { BIN_COUNT, keyCentreBin, BINS_PER_SEMITONE, FRAME_RATE_HZ, LOWEST_MIDI_PITCH } from '../params';
import type { Note, Spectrogram } from '../types';

export interface PictureInput {
  /** The piece's log-amplitude spectrogram; without it the notes are drawn on black (a piano roll). */
  readonly spectrogram?: Spectrogram;
  readonly notes: readonly Note[];
  /** Horizontal scale. @default 100 px/s, reduced so the picture is at most `maxWidth` wide */
  readonly pixelsPerSecond?: number;
  /** @default 4000 px */
  readonly maxWidth?: number;
  /** Vertical scale. @default 2 px per spectrogram bin (8 px per semitone, 704 px for the keyboard) */
  readonly pixelsPerBin?: number;
}

type Rgb = readonly [number, number, number];

/** Left and bottom margins hold the octave and time labels. */
const LEFT = 28;
const BOTTOM = 16;
const TOP = 4;
const RIGHT = 4;
/** Note outlines: cyan is far from every colour of the map below, so notes stand out on loud and quiet areas. */
const NOTE_COLOUR: Rgb = [0, 255, 255];
const GRID_COLOUR: Rgb = [110, 110, 110];
const LABEL_COLOUR: Rgb = [230, 230, 230];
const BACKGROUND: Rgb = [20, 20, 20];
/** A perceptually ordered dark-to-bright map (close to matplotlib's "magma"): black, purple, red, orange, pale yellow. */
const COLOUR_MAP: readonly Rgb[] = [
  [0, 0, 4],
  [59, 15, 112],
  [140, 41, 129],
  [222, 73, 104],
  [254, 159, 109],
  [252, 253, 191],
];

/**
 * Draws a piece as a picture a person can read at a glance: the spectrogram's log magnitude as a colour map (time left
 * to right, pitch bottom to top, a grey line and label at every C), with each note outlined as a cyan bar over the
 * bins of its key, and a time axis in seconds.
 *
 * @returns PNG bytes
 */
export function renderPicture(input: PictureInput): Uint8Array {
  const spectrogram = input.spectrogram;
  const rate = spectrogram?.frameRateHz ?? FRAME_RATE_HZ;
  const lastNote = input.notes.reduce((end, n) => Math.max(end, n.offsetSeconds), 0);
  const durationSeconds = Math.max(spectrogram ? spectrogram.frameCount / rate : 0, lastNote, 1 / rate);
  const maxWidth = input.maxWidth ?? 4000;
  const pxPerSecond = Math.min(input.pixelsPerSecond ?? 100, (maxWidth - LEFT - RIGHT) / durationSeconds);
  const pxPerBin = input.pixelsPerBin ?? 2;
  const plotWidth = Math.max(1, Math.ceil(durationSeconds * pxPerSecond));
  const plotHeight = BIN_COUNT * pxPerBin;
  const canvas = new Canvas(LEFT + plotWidth + RIGHT, TOP + plotHeight + BOTTOM);
  canvas.fill(0, 0, canvas.width, canvas.height, BACKGROUND);

  // Bin b occupies rows yOfBin(b) - pxPerBin + 1 … yOfBin(b); pitch rises upwards.
  const yOfBin = (bin: number): number => TOP + plotHeight - 1 - bin * pxPerBin;
  const xOfSeconds = (seconds: number): number => LEFT + Math.round(seconds * pxPerSecond);

  if (spectrogram) drawSpectrogram(canvas, spectrogram, { plotWidth, pxPerSecond, pxPerBin, yOfBin });
  else canvas.fill(LEFT, TOP, plotWidth, plotHeight, COLOUR_MAP[0] ?? BACKGROUND);

  // A line under every C (between B and C) with its octave name, C1 … C8.
  for (let midi = 24; midi <= 108; midi += 12) {
    const bin = keyCentreBin(midi - LOWEST_MIDI_PITCH) - BINS_PER_SEMITONE / 2;
    const y = yOfBin(bin) - pxPerBin + 1;
    for (let x = LEFT; x < LEFT + plotWidth; x += 2) canvas.set(x, y, GRID_COLOUR);
    canvas.text(2, y - 5, `C${midi / 12 - 1}`, LABEL_COLOUR);
  }

  const tick = tickSpacing(pxPerSecond);
  for (let t = 0; t <= durationSeconds; t += tick) {
    const x = xOfSeconds(t);
    canvas.fill(x, TOP + plotHeight, 1, 4, LABEL_COLOUR);
    canvas.text(Math.min(x, canvas.width - 40), TOP + plotHeight + 5, `${t}s`, LABEL_COLOUR);
  }

  for (const note of input.notes) {
    const centre = keyCentreBin(note.pitch - LOWEST_MIDI_PITCH);
    const top = yOfBin(centre + BINS_PER_SEMITONE / 2) - pxPerBin + 1;
    const bottom = yOfBin(centre - BINS_PER_SEMITONE / 2 + 1);
    const left = xOfSeconds(note.onsetSeconds);
    const right = Math.max(left + 2, xOfSeconds(note.offsetSeconds));
    canvas.outline(left, top, right - left, bottom - top + 1, NOTE_COLOUR);
  }
  return canvas.encode();
}

function drawSpectrogram(
  canvas: Canvas,
  spectrogram: Spectrogram,
  layout: { plotWidth: number; pxPerSecond: number; pxPerBin: number; yOfBin: (bin: number) => number },
): void {
  const { data, frameCount, binCount, frameRateHz } = spectrogram;
  // Colours span from the 25th percentile to the loudest value: most cells of music are reverberation and partials far
  // below the notes, and drawing them dark is what lets the notes stand out.
  const { low, high } = range(data);
  const span = high - low || 1;
  const bins = Math.min(binCount, BIN_COUNT);
  for (let x = 0; x < layout.plotWidth; x++) {
    // Several frames may share a column; the loudest wins so short attacks stay visible.
    const first = Math.floor((x / layout.pxPerSecond) * frameRateHz);
    const last = Math.min(frameCount, Math.max(first + 1, Math.floor(((x + 1) / layout.pxPerSecond) * frameRateHz)));
    for (let bin = 0; bin < bins; bin++) {
      let value = Number.NEGATIVE_INFINITY;
      for (let f = first; f < last; f++) value = Math.max(value, data[f * binCount + bin] ?? Number.NEGATIVE_INFINITY);
      if (value === Number.NEGATIVE_INFINITY) continue;
      const colour = colourAt((value - low) / span);
      const y = layout.yOfBin(bin);
      for (let dy = 0; dy < layout.pxPerBin; dy++) canvas.set(LEFT + x, y - dy, colour);
    }
  }
}

/** 25th percentile and maximum, from a sample of at most ~100k values (enough for a colour scale). */
function range(data: Float32Array): { low: number; high: number } {
  const step = Math.max(1, Math.floor(data.length / 100_000));
  const sample: number[] = [];
  for (let i = 0; i < data.length; i += step) {
    const v = data[i];
    if (v !== undefined && Number.isFinite(v)) sample.push(v);
  }
  if (sample.length === 0) return { low: 0, high: 1 };
  sample.sort((a, b) => a - b);
  return { low: sample[Math.floor(sample.length * 0.25)] ?? 0, high: sample[sample.length - 1] ?? 1 };
}

function colourAt(t: number): Rgb {
  const clamped = Math.min(1, Math.max(0, t)) * (COLOUR_MAP.length - 1);
  const i = Math.min(COLOUR_MAP.length - 2, Math.floor(clamped));
  const a = COLOUR_MAP[i] ?? [0, 0, 0];
  const b = COLOUR_MAP[i + 1] ?? a;
  const w = clamped - i;
  return [a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w, a[2] + (b[2] - a[2]) * w];
}

/** Seconds between time ticks: the smallest of 1, 2, 5, 10, 15, 30, 60 … that leaves at least 60 px between labels. */
function tickSpacing(pxPerSecond: number): number {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600]) if (s * pxPerSecond >= 60) return s;
  return 1200;
}

/**
 * A 3×5 pixel font for the labels, drawn at twice its size: only the characters the picture writes.
 * Each glyph is five rows of three bits, most significant bit on the left.
 */
const GLYPHS: Readonly<Record<string, readonly number[]>> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 3, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 2, 2, 2],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  C: [7, 4, 4, 4, 7],
  s: [0, 3, 6, 3, 6],
};

class Canvas {
  private readonly png: PNG;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.png = new PNG({ width, height, colorType: 2 });
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.png.data[i] = Math.round(r);
    this.png.data[i + 1] = Math.round(g);
    this.png.data[i + 2] = Math.round(b);
    this.png.data[i + 3] = 255;
  }

  fill(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) this.set(i, j, colour);
  }

  outline(x: number, y: number, w: number, h: number, colour: Rgb): void {
    this.fill(x, y, w, 1, colour);
    this.fill(x, y + h - 1, w, 1, colour);
    this.fill(x, y, 1, h, colour);
    this.fill(x + w - 1, y, 1, h, colour);
  }

  text(x: number, y: number, text: string, colour: Rgb): void {
    [...text].forEach((ch, n) => {
      const rows = GLYPHS[ch] ?? [];
      rows.forEach((bits, row) => {
        for (let col = 0; col < 3; col++) {
          if (bits & (4 >> col)) this.fill(x + n * 8 + col * 2, y + row * 2, 2, 2, colour);
        }
      });
    });
  }

  encode(): Uint8Array {
    return new Uint8Array(PNG.sync.write(this.png, { colorType: 2 }));
  }
}
