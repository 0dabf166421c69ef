export {
  computeSpectrogram,
  spectrogramFrameCount,
  amplitudeReference,
  DEFAULT_BLOCK_FRAMES,
  type SpectrogramOptions,
  type SpectrogramStats,
} from './compute';
export {
  SPECTROGRAM_SETTINGS,
  binWindowSeconds,
  type SpectrogramSettings,
  type ResolutionSettings,
  type BinGroup,
  type FftSegment,
} from './settings';
export { referenceConstantQ } from './reference';
