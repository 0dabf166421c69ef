import { PNG } from 'pngjs';
import { renderPicture } from '../../../core/picture';
import { BIN_COUNT } from '../../../core/params';
import type { Spectrogram } from '../../../core/types';

function pixel(png: PNG, x: number, y: number): number[] {
  const i = (y * png.width + x) * 4;
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
}

/** 1 s of silence (0) with one loud cell (10) at frame 70, bin 200. */
function spectrogram(): Spectrogram {
  const data = new Float32Array(100 * BIN_COUNT);
  data[70 * BIN_COUNT + 200] = 10;
  return { data, frameCount: 100, binCount: BIN_COUNT, frameRateHz: 100 };
}

// Layout at 100 px/s and 2 px/bin: 28 px of labels on the left, 4 on top; bin b's lower row is y = 707 − 2b.
describe('renderPicture', () => {
  const png = PNG.sync.read(
    Buffer.from(
      renderPicture({
        spectrogram: spectrogram(),
        notes: [{ pitch: 60, onsetSeconds: 0.2, offsetSeconds: 0.5, velocity: 80 }],
        pixelsPerSecond: 100,
      }),
    ),
  );

  it('is as wide as the piece plus margins and as tall as the keyboard plus margins', () => {
    expect([png.width, png.height]).toEqual([28 + 100 + 4, 4 + 704 + 16]);
  });

  it('colours the loudest cell brightest and silence darkest, pitch upwards', () => {
    expect(pixel(png, 98, 307)).toEqual([252, 253, 191]);
    expect(pixel(png, 98, 306)).toEqual([252, 253, 191]);
    expect(pixel(png, 98, 309)).toEqual([0, 0, 4]);
  });

  it('outlines a note over its key from onset to offset', () => {
    // C4 (key 39) is centred on bin 157 and drawn over bins 155…158 plus a row: y 388…395, x 48…77.
    expect(pixel(png, 48, 388)).toEqual([0, 255, 255]);
    expect(pixel(png, 48, 395)).toEqual([0, 255, 255]);
    expect(pixel(png, 77, 390)).toEqual([0, 255, 255]);
    expect(pixel(png, 60, 390)).toEqual([0, 0, 4]);
    expect(pixel(png, 78, 390)).toEqual([0, 0, 4]);
  });

  it('marks every C with a line and a label', () => {
    // The line under C4 (between B3 and C4) is at y 396, dotted; its label "C4" starts at x 2.
    expect(pixel(png, 30, 396)).toEqual([110, 110, 110]);
    expect(pixel(png, 2, 391)).toEqual([230, 230, 230]);
  });

  it('draws a piano roll on black without a spectrogram, sized by the last offset', () => {
    const roll = PNG.sync.read(
      Buffer.from(renderPicture({ notes: [{ pitch: 21, onsetSeconds: 0, offsetSeconds: 2, velocity: 80 }] })),
    );
    expect(roll.width).toBe(28 + 200 + 4);
    // A0 (key 0, centre bin 1) spans y 700…707 at x 28…227.
    expect(pixel(roll, 28, 707)).toEqual([0, 255, 255]);
    expect(pixel(roll, 100, 703)).toEqual([0, 0, 4]);
  });
});
