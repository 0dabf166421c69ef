import { PNG } from 'pngjs';
import { matchNotes, type EvalNote } from '../metrics';
import { BIN_COUNT, BINS_PER_SEMITONE, FRAME_RATE_HZ, hzToMidi, keyCentreBin, LOWEST_MIDI_PITCH, midiToHz } from '../params';
import type { Note, Spectrogram } from '../types';
import type { TimeGrid } from './grid';

export interface PictureInput {
  /** The piece's log-amplitude spectrogram; without it the notes are drawn on black (a piano roll). */
  readonly spectrogram?: Spectrogram;
  readonly notes: readonly Note[];
  /** Bar and beat times of the score (`timeGridOf`), drawn as vertical lines: bars solid, beats dotted. */
  readonly grid?: TimeGrid;
  /**
   * Reference notes (a mir_eval note list): each note is then drawn as a hit or a false note, and every reference note
   * no note matched as a miss. Matching is mir_eval's onset rule (50 ms, 50 cents, offsets ignored).
   */
  readonly reference?: readonly EvalNote[];
  /** Horizontal scale. @default 100 px/s (less for pieces longer than `maxRows` rows) */
  readonly pixelsPerSecond?: number;
  /** Seconds per row: longer pieces continue on further rows below, like the systems of a score. @default 30 s */
  readonly rowSeconds?: number;
  /**
   * Most rows; a longer piece gets longer rows at a smaller scale, so the picture stays bounded (6 rows of 3000 px:
   * 13 Mpx, ~2 s to encode, 53 MB of pixels). @default 6
   */
  readonly maxRows?: number;
  /** Vertical scale. @default 2 px per spectrogram bin (8 px per semitone, 704 px for the keyboard) */
  readonly pixelsPerBin?: number;
}

type Rgb = readonly [number, number, number];

/** The left margin holds the octave labels; the legend runs along the top; each row has its time axis below. */
const LEFT = 28;
const RIGHT = 4;
const LEGEND_HEIGHT = 20;
const AXIS_HEIGHT = 16;
const ROW_GAP = 6;
/**
 * Note outlines are a bright colour inside a black rim: the colour shows on the dark (quiet) end of the map, the rim
 * on the bright (loud) end, so an outline is visible on any background.
 */
const NOTE_COLOUR: Rgb = [0, 255, 255];
const HIT_COLOUR: Rgb = [90, 255, 90];
const MISS_COLOUR: Rgb = [255, 150, 0];
const FALSE_COLOUR: Rgb = [255, 60, 255];
const RIM_COLOUR: Rgb = [0, 0, 0];
const GRID_COLOUR: Rgb = [110, 110, 110];
const BAR_COLOUR: Rgb = [200, 200, 200];
const BEAT_COLOUR: Rgb = [140, 140, 140];
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

/** How the picture is laid out: rows of `rowSeconds` each, `pxPerSecond` wide. */
interface Layout {
  readonly pxPerSecond: number;
  readonly rowSeconds: number;
  readonly rows: number;
  readonly plotWidth: number;
  readonly plotHeight: number;
  readonly pxPerBin: number;
}

/** A note to outline, in its colour. */
interface Outline {
  readonly pitch: number;
  readonly onsetSeconds: number;
  readonly offsetSeconds: number;
  readonly colour: Rgb;
}

/**
 * Draws a piece as a picture a person can read at a glance: the spectrogram's log magnitude as a colour map (time left
 * to right, pitch bottom to top, a grey line and label at every C), every note outlined over the bins of its key,
 * bar and beat lines when the score found them, a time axis in seconds under each row, and a legend along the top.
 * The picture grows with the piece up to one row of `rowSeconds`, then continues on rows below.
 *
 * @returns PNG bytes
 */
export function renderPicture(input: PictureInput): Uint8Array {
  const spectrogram = input.spectrogram;
  const rate = spectrogram?.frameRateHz ?? FRAME_RATE_HZ;
  const lastNote = [...input.notes, ...(input.reference ?? [])].reduce((end, n) => Math.max(end, n.offsetSeconds), 0);
  const durationSeconds = Math.max(spectrogram ? spectrogram.frameCount / rate : 0, lastNote, 1 / rate);
  const layout = planLayout(durationSeconds, input);
  const rowHeight = layout.plotHeight + AXIS_HEIGHT + ROW_GAP;
  const canvas = new Canvas(LEFT + layout.plotWidth + RIGHT, LEGEND_HEIGHT + layout.rows * rowHeight);
  canvas.fill(0, 0, canvas.width, canvas.height, BACKGROUND);
  const outlines = classify(input);
  const colourScale = spectrogram ? range(spectrogram.data) : undefined;

  for (let row = 0; row < layout.rows; row++) {
    const from = row * layout.rowSeconds;
    const to = Math.min(durationSeconds, from + layout.rowSeconds);
    const top = LEGEND_HEIGHT + row * rowHeight;
    // Bin b occupies rows yOfBin(b) - pxPerBin + 1 … yOfBin(b); pitch rises upwards.
    const yOfBin = (bin: number): number => top + layout.plotHeight - 1 - bin * layout.pxPerBin;
    const xOf = (seconds: number): number => LEFT + Math.round((seconds - from) * layout.pxPerSecond);
    const rowWidth = Math.max(1, Math.ceil((to - from) * layout.pxPerSecond));
    canvas.clip = { x: LEFT, y: top, width: rowWidth, height: layout.plotHeight };

    if (spectrogram && colourScale) drawSpectrogram(canvas, spectrogram, colourScale, { from, rowWidth, ...layout, yOfBin });
    else canvas.fill(LEFT, top, rowWidth, layout.plotHeight, COLOUR_MAP[0] ?? BACKGROUND);

    // A line under every C (between B and C) with its octave name, C1 … C8.
    for (let midi = 24; midi <= 108; midi += 12) {
      const y = yOfBin(keyCentreBin(midi - LOWEST_MIDI_PITCH) - BINS_PER_SEMITONE / 2) - layout.pxPerBin + 1;
      for (let x = LEFT; x < LEFT + rowWidth; x += 2) canvas.set(x, y, GRID_COLOUR);
    }
    for (const seconds of input.grid?.beatSeconds ?? []) {
      if (seconds < from || seconds >= to) continue;
      for (let y = top; y < top + layout.plotHeight; y += 3) canvas.set(xOf(seconds), y, BEAT_COLOUR);
    }
    for (const seconds of input.grid?.barSeconds ?? []) {
      if (seconds >= from && seconds < to) canvas.fill(xOf(seconds), top, 1, layout.plotHeight, BAR_COLOUR);
    }
    for (const note of outlines) {
      if (note.offsetSeconds < from || note.onsetSeconds >= to) continue;
      const centre = keyCentreBin(note.pitch - LOWEST_MIDI_PITCH);
      const y0 = yOfBin(centre + BINS_PER_SEMITONE / 2) - layout.pxPerBin + 1;
      const y1 = yOfBin(centre - BINS_PER_SEMITONE / 2 + 1);
      const left = xOf(note.onsetSeconds);
      const right = Math.max(left + 2, xOf(note.offsetSeconds));
      canvas.outline(left - 1, y0 - 1, right - left + 2, y1 - y0 + 3, RIM_COLOUR);
      canvas.outline(left + 1, y0 + 1, right - left - 2, y1 - y0 - 1, RIM_COLOUR);
      canvas.outline(left, y0, right - left, y1 - y0 + 1, note.colour);
    }

    canvas.clip = undefined;
    for (let midi = 24; midi <= 108; midi += 12) {
      const y = yOfBin(keyCentreBin(midi - LOWEST_MIDI_PITCH) - BINS_PER_SEMITONE / 2) - layout.pxPerBin + 1;
      canvas.text(2, y - 5, `C${midi / 12 - 1}`, LABEL_COLOUR);
    }
    const tick = tickSpacing(layout.pxPerSecond);
    for (let t = Math.ceil(from / tick) * tick; t <= to; t += tick) {
      const x = xOf(t);
      canvas.fill(x, top + layout.plotHeight, 1, 4, LABEL_COLOUR);
      canvas.text(Math.min(x, canvas.width - 40), top + layout.plotHeight + 5, `${t}s`, LABEL_COLOUR);
    }
  }
  drawLegend(canvas, input, colourScale !== undefined);
  return canvas.encode();
}

function planLayout(durationSeconds: number, input: PictureInput): Layout {
  const maxRows = Math.max(1, Math.floor(input.maxRows ?? 6));
  let pxPerSecond = input.pixelsPerSecond ?? 100;
  let rowSeconds = input.rowSeconds ?? 30;
  if (durationSeconds > rowSeconds * maxRows) {
    // Keep the row width, fit the piece into maxRows rows.
    const rowWidth = rowSeconds * pxPerSecond;
    rowSeconds = durationSeconds / maxRows;
    pxPerSecond = rowWidth / rowSeconds;
  }
  const rows = Math.max(1, Math.ceil(durationSeconds / rowSeconds - 1e-9));
  const pxPerBin = input.pixelsPerBin ?? 2;
  return {
    pxPerSecond,
    rowSeconds,
    rows,
    plotWidth: Math.max(1, Math.ceil(Math.min(durationSeconds, rowSeconds) * pxPerSecond)),
    plotHeight: BIN_COUNT * pxPerBin,
    pxPerBin,
  };
}

/** The outlines to draw: every note in one colour, or, against a reference, hits, false notes and misses. */
function classify(input: PictureInput): Outline[] {
  const reference = input.reference;
  if (reference === undefined) return input.notes.map((n) => ({ ...n, colour: NOTE_COLOUR }));
  const estimate: EvalNote[] = input.notes.map((n) => ({ onsetSeconds: n.onsetSeconds, offsetSeconds: n.offsetSeconds, frequencyHz: midiToHz(n.pitch) }));
  const matched = matchNotes(reference, estimate, { offsetRatio: null });
  const hitRef = new Set(matched.map(([r]) => r));
  const hitEst = new Set(matched.map(([, e]) => e));
  const misses = reference
    .filter((_, r) => !hitRef.has(r))
    .map((n) => ({ pitch: hzToMidi(n.frequencyHz), onsetSeconds: n.onsetSeconds, offsetSeconds: n.offsetSeconds, colour: MISS_COLOUR }));
  // Misses first, so a detected note drawn at the same place stays on top.
  return [...misses, ...input.notes.map((n, e) => ({ ...n, colour: hitEst.has(e) ? HIT_COLOUR : FALSE_COLOUR }))];
}

function drawLegend(canvas: Canvas, input: PictureInput, hasSpectrogram: boolean): void {
  let x = LEFT;
  const y = 5;
  const swatch = (colour: Rgb, label: string): void => {
    canvas.fill(x - 1, y - 1, 16, 12, RIM_COLOUR);
    canvas.outline(x, y, 14, 10, colour);
    canvas.text(x + 20, y, label, LABEL_COLOUR);
    x += 20 + label.length * 8 + 16;
  };
  if (input.reference === undefined) {
    swatch(NOTE_COLOUR, 'NOTE');
  } else {
    swatch(HIT_COLOUR, 'HIT');
    swatch(MISS_COLOUR, 'MISSED');
    swatch(FALSE_COLOUR, 'FALSE');
  }
  if (input.grid !== undefined) {
    canvas.fill(x, y, 1, 10, BAR_COLOUR);
    canvas.text(x + 6, y, 'BAR', LABEL_COLOUR);
    x += 6 + 3 * 8 + 16;
    for (let dy = 0; dy < 10; dy += 3) canvas.set(x, y + dy, BEAT_COLOUR);
    canvas.text(x + 6, y, 'BEAT', LABEL_COLOUR);
    x += 6 + 4 * 8 + 16;
  }
  if (hasSpectrogram) {
    canvas.text(x, y, 'QUIET', LABEL_COLOUR);
    x += 5 * 8 + 4;
    for (let i = 0; i < 60; i++) canvas.fill(x + i, y, 1, 10, colourAt(i / 59));
    canvas.text(x + 64, y, 'LOUD', LABEL_COLOUR);
  }
}

/** Steps of the colour map's lookup table: finer than the eye can tell apart on a 5-stop gradient. */
const COLOUR_STEPS = 256;

function drawSpectrogram(
  canvas: Canvas,
  spectrogram: Spectrogram,
  scale: { low: number; high: number },
  layout: { from: number; rowWidth: number; pxPerSecond: number; pxPerBin: number; yOfBin: (bin: number) => number },
): void {
  const { data, frameCount, binCount, frameRateHz } = spectrogram;
  const toStep = (COLOUR_STEPS - 1) / (scale.high - scale.low || 1);
  // Millions of cells: a lookup table and direct writes, not a colour object per pixel.
  const table = new Uint8Array(COLOUR_STEPS * 3);
  for (let i = 0; i < COLOUR_STEPS; i++) table.set(colourAt(i / (COLOUR_STEPS - 1)).map(Math.round), i * 3);
  const bins = Math.min(binCount, BIN_COUNT);
  for (let x = 0; x < layout.rowWidth; x++) {
    // Several frames may share a column; the loudest wins so short attacks stay visible.
    const first = Math.floor((layout.from + x / layout.pxPerSecond) * frameRateHz);
    const last = Math.min(frameCount, Math.max(first + 1, Math.floor((layout.from + (x + 1) / layout.pxPerSecond) * frameRateHz)));
    if (first >= frameCount) break;
    for (let bin = 0; bin < bins; bin++) {
      let value = Number.NEGATIVE_INFINITY;
      for (let f = first; f < last; f++) {
        const v = data[f * binCount + bin] as number;
        if (v > value) value = v;
      }
      if (value === Number.NEGATIVE_INFINITY) continue;
      const step = Math.min(COLOUR_STEPS - 1, Math.max(0, Math.round((value - scale.low) * toStep))) * 3;
      const y = layout.yOfBin(bin);
      for (let dy = 0; dy < layout.pxPerBin; dy++) canvas.put(LEFT + x, y - dy, table, step);
    }
  }
}

/**
 * Colours span from the 25th percentile to the loudest value: most cells of music are reverberation and partials far
 * below the notes, and drawing them dark is what lets the notes stand out. Sampled from at most ~100k values (enough
 * for a colour scale).
 */
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
 * A 3×5 pixel font for the labels, drawn at twice its size: digits, capitals, and the `s` of seconds.
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
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [7, 4, 4, 4, 7],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5],
  N: [6, 5, 5, 5, 5],
  O: [7, 5, 5, 5, 7],
  Q: [7, 5, 5, 7, 1],
  R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6],
  T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7],
  s: [0, 3, 6, 3, 6],
};

class Canvas {
  private readonly png: PNG;
  /** Drawing outside this rectangle is dropped (a row's plot, so notes and lines do not spill into margins). */
  clip: { x: number; y: number; width: number; height: number } | undefined;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.png = new PNG({ width, height, colorType: 2 });
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const c = this.clip;
    if (c !== undefined && (x < c.x || y < c.y || x >= c.x + c.width || y >= c.y + c.height)) return;
    const i = (y * this.width + x) * 4;
    this.png.data[i] = Math.round(r);
    this.png.data[i + 1] = Math.round(g);
    this.png.data[i + 2] = Math.round(b);
    this.png.data[i + 3] = 255;
  }

  /** Writes `table[offset … offset + 2]` at (x, y): the fast path for the spectrogram, inside the plot only. */
  put(x: number, y: number, table: Uint8Array, offset: number): void {
    const i = (y * this.width + x) * 4;
    const data = this.png.data;
    data[i] = table[offset] as number;
    data[i + 1] = table[offset + 1] as number;
    data[i + 2] = table[offset + 2] as number;
    data[i + 3] = 255;
  }

  fill(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) this.set(i, j, colour);
  }

  outline(x: number, y: number, w: number, h: number, colour: Rgb): void {
    if (w <= 0 || h <= 0) return;
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
    // Paeth on every row instead of trying all five filters per row: the same size within 2 %, 20 % faster.
    return new Uint8Array(PNG.sync.write(this.png, { colorType: 2, filterType: 4 }));
  }
}
