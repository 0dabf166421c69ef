import { PNG } from 'pngjs';
import { renderPicture, timeGridOf } from '../../../core/picture';
import { buildScore } from '../../../core/notation';
import { BIN_COUNT, midiToHz } from '../../../core/params';
import type { Note, Spectrogram } from '../../../core/types';

function pixel(png: PNG, x: number, y: number): number[] {
  const i = (y * png.width + x) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

function decode(bytes: Uint8Array): PNG {
  return PNG.sync.read(Buffer.from(bytes));
}

/** `seconds` of silence (0) with one loud cell (10) at frame 70, bin 200. */
function spectrogram(seconds = 1, loud = 10): Spectrogram {
  const frameCount = seconds * 100;
  const data = new Float32Array(frameCount * BIN_COUNT);
  data[70 * BIN_COUNT + 200] = loud;
  return { data, frameCount, binCount: BIN_COUNT, frameRateHz: 100 };
}

const C4: Note = { pitch: 60, onsetSeconds: 0.2, offsetSeconds: 0.5, velocity: 80 };
const CYAN = [0, 255, 255];
const BLACK = [0, 0, 0];
const QUIET = [0, 0, 4];
const LOUD = [252, 253, 191];

// Layout at 100 px/s and 2 px/bin: 28 px of labels on the left, a 20 px legend on top; bin b's lower row is
// y = 723 − 2b; under the plot a 16 px time axis and a 6 px gap before the next row.
describe('renderPicture', () => {
  const png = decode(renderPicture({ spectrogram: spectrogram(), notes: [C4], pixelsPerSecond: 100 }));

  it('is as wide as the piece plus margins and as tall as the legend, the keyboard and its time axis', () => {
    expect([png.width, png.height]).toEqual([28 + 100 + 4, 20 + 704 + 16 + 6]);
  });

  it('colours the loudest cell brightest and silence darkest, pitch upwards', () => {
    expect(pixel(png, 98, 323)).toEqual(LOUD);
    expect(pixel(png, 98, 322)).toEqual(LOUD);
    expect(pixel(png, 98, 325)).toEqual(QUIET);
  });

  it('outlines a note over its key from onset to offset, in cyan inside a black rim', () => {
    // C4 (key 39) is centred on bin 157 and drawn over bins 155…158 plus a row: y 404…411, x 48…77.
    expect(pixel(png, 48, 404)).toEqual(CYAN);
    expect(pixel(png, 48, 411)).toEqual(CYAN);
    expect(pixel(png, 77, 406)).toEqual(CYAN);
    // The rim: just outside and just inside the outline.
    expect(pixel(png, 47, 406)).toEqual(BLACK);
    expect(pixel(png, 78, 406)).toEqual(BLACK);
    expect(pixel(png, 60, 403)).toEqual(BLACK);
    expect(pixel(png, 60, 405)).toEqual(BLACK);
    expect(pixel(png, 60, 407)).toEqual(QUIET);
    expect(pixel(png, 80, 406)).toEqual(QUIET);
  });

  it('keeps the outline visible on the loudest background: its rim is black there', () => {
    // Loud over every bin C4's outline covers (150…165), quiet elsewhere, so the scale's top is there.
    const loud = spectrogram();
    for (let frame = 0; frame < loud.frameCount; frame++) loud.data.fill(10, frame * BIN_COUNT + 150, frame * BIN_COUNT + 166);
    const bright = decode(renderPicture({ spectrogram: loud, notes: [C4], pixelsPerSecond: 100 }));
    expect(pixel(bright, 60, 408)).toEqual(LOUD);
    expect(pixel(bright, 60, 405)).toEqual(BLACK);
    expect(pixel(bright, 60, 404)).toEqual(CYAN);
  });

  it('marks every C with a line and a label', () => {
    // The line under C4 (between B3 and C4) is at y 412, dotted; its label "C4" starts at x 2.
    expect(pixel(png, 30, 412)).toEqual([110, 110, 110]);
    expect(pixel(png, 2, 407)).toEqual([230, 230, 230]);
  });

  it('has a legend: the note swatch in its colour, then the colour scale from quiet to loud', () => {
    const wide = decode(renderPicture({ spectrogram: spectrogram(3), notes: [C4], pixelsPerBin: 1 }));
    expect(pixel(wide, 28, 5)).toEqual(CYAN);
    const legend = Array.from({ length: wide.width }, (_, x) => pixel(wide, x, 8));
    expect(legend).toContainEqual(LOUD);
  });

  it('draws a piano roll on black without a spectrogram, sized by the last offset', () => {
    const roll = decode(renderPicture({ notes: [{ pitch: 21, onsetSeconds: 0, offsetSeconds: 2, velocity: 80 }] }));
    expect(roll.width).toBe(28 + 200 + 4);
    // A0 (key 0, centre bin 1) spans y 716…723 at x 28…227.
    expect(pixel(roll, 28, 723)).toEqual(CYAN);
    expect(pixel(roll, 100, 719)).toEqual(QUIET);
  });

  // Small scales keep these pictures small: 10 px/s and 1 px per bin (352 px per keyboard, 374 px per row).
  const small = { pixelsPerSecond: 10, pixelsPerBin: 1 } as const;

  it('grows with the piece up to one row (30 s), then continues on rows below', () => {
    const short = decode(renderPicture({ spectrogram: spectrogram(10), notes: [], ...small }));
    const row = decode(renderPicture({ spectrogram: spectrogram(30), notes: [], ...small }));
    const long = decode(renderPicture({ spectrogram: spectrogram(75, 10), notes: [], ...small }));
    expect(short.width).toBe(28 + 100 + 4);
    expect(row.width).toBe(28 + 300 + 4);
    expect([long.width, long.height]).toEqual([28 + 300 + 4, 20 + 3 * (352 + 16 + 6)]);
    // Bin 200 is y 20 + 351 − 200 = 171 in row 1; the loud cell at 0.7 s is there and not in row 2 (from 30 s).
    expect(pixel(long, 28 + 7, 171)).toEqual(LOUD);
    expect(pixel(long, 28 + 7, 171 + 374)).toEqual(QUIET);
    // Row 3 holds 60…75 s: half a row, the rest is background.
    expect(pixel(long, 28 + 250, 20 + 2 * 374 + 100)).toEqual([20, 20, 20]);
  });

  it('keeps very long pieces to maxRows rows by shrinking the time scale', () => {
    const hour = decode(renderPicture({ notes: [{ pitch: 60, onsetSeconds: 0, offsetSeconds: 3600, velocity: 80 }], ...small, maxRows: 4 }));
    expect([hour.width, hour.height]).toEqual([28 + 300 + 4, 20 + 4 * 374]);
  });

  it('draws bar lines solid and beat lines dotted where the grid puts them', () => {
    const withGrid = decode(renderPicture({ spectrogram: spectrogram(), notes: [], grid: { barSeconds: [0.1], beatSeconds: [0.6] } }));
    for (const y of [100, 101, 102]) expect(pixel(withGrid, 38, y)).toEqual([200, 200, 200]);
    const beat = [99, 100, 101].map((y) => pixel(withGrid, 88, y));
    expect(beat).toContainEqual([140, 140, 140]);
    expect(beat).toContainEqual(QUIET);
  });

  it('against a reference, draws hits, misses and false notes in three colours', () => {
    const reference = [
      { onsetSeconds: 0.2, offsetSeconds: 0.5, frequencyHz: midiToHz(60) },
      { onsetSeconds: 0.6, offsetSeconds: 0.9, frequencyHz: midiToHz(72) },
    ];
    const falseNote: Note = { pitch: 48, onsetSeconds: 0.6, offsetSeconds: 0.9, velocity: 80 };
    const compared = decode(renderPicture({ spectrogram: spectrogram(), notes: [C4, falseNote], reference }));
    expect(pixel(compared, 48, 404)).toEqual([90, 255, 90]);
    // C5 (12 keys up: 48 bins, 96 px higher) missed; C3 (96 px lower) false.
    expect(pixel(compared, 88, 404 - 96)).toEqual([255, 150, 0]);
    expect(pixel(compared, 88, 404 + 96)).toEqual([255, 60, 255]);
  });
});

describe('timeGridOf', () => {
  it('puts a bar line at every measure start and beat lines between, at the performed times', () => {
    // Eight quarter notes at 120 BPM, C4 … : two bars of 4/4 (or whatever metre the notation chooses).
    const notes = Array.from({ length: 16 }, (_, i) => ({ pitch: i % 4 === 0 ? 48 : 60 + (i % 3), onsetSeconds: 1 + i * 0.5, offsetSeconds: 1.45 + i * 0.5, velocity: i % 4 === 0 ? 110 : 70 }));
    const score = buildScore(notes, { hints: { timeSignature: { beats: 4, beatType: 4 }, tempoBpm: 120 } });
    const grid = timeGridOf(score);
    const bars = grid.barSeconds;
    expect(bars.length).toBe((score.parts[0]?.measures.length ?? 0) + 1);
    for (let i = 1; i < bars.length; i++) expect(bars[i]! - bars[i - 1]!).toBeCloseTo(2, 1);
    // Three beats inside each 4/4 bar, half a second apart.
    expect(grid.beatSeconds.length).toBe(3 * (bars.length - 1));
    expect(grid.beatSeconds[0]! - bars[0]!).toBeCloseTo(0.5, 1);
  });
});
