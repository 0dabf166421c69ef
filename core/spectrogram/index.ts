export { computeSpectrogram, spectrogramFrameCount, amplitudeReference, type SpectrogramOptions, type SpectrogramStats } from './compute';
export { SPECTROGRAM_SETTINGS, binWindowSeconds, type SpectrogramSettings, type ResolutionSettings, type BinGroup } from './settings';
export { referenceConstantQ } from './reference';
