/** Types for fft.js (indutny), which ships none: only the members the spectrogram uses. */
declare module 'fft.js' {
  class FFT {
    constructor(size: number);
    readonly size: number;
    /** Complex array of `2·size` numbers, interleaved re/im. */
    createComplexArray(): number[];
    /** Fills bins `0 … size/2` of `out` (interleaved re/im) with the DFT of the real `input` (`size` samples). */
    realTransform(out: ArrayLike<number> & { [index: number]: number }, input: ArrayLike<number>): void;
    completeSpectrum(out: ArrayLike<number> & { [index: number]: number }): void;
    transform(out: ArrayLike<number> & { [index: number]: number }, input: ArrayLike<number>): void;
  }
  export = FFT;
}
