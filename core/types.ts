/** Shapes shared by the engine's stages. Times are seconds from the start of the audio; pitches are MIDI numbers. */

/** A log-amplitude constant-Q spectrogram, row-major `[frame][bin]`: value of (f, b) is `data[f * binCount + b]`. */
export interface Spectrogram {
  readonly data: Float32Array;
  readonly frameCount: number;
  readonly binCount: number;
  readonly frameRateHz: number;
}

/** A transcribed note. */
export interface Note {
  /** MIDI pitch, 21 (A0) … 108 (C8). */
  readonly pitch: number;
  readonly onsetSeconds: number;
  readonly offsetSeconds: number;
  /** MIDI velocity 1…127. */
  readonly velocity: number;
}
