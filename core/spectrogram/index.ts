export { computeSpectrogram, spectrogramFrameCount, amplitudeReference, type SpectrogramOptions } from './compute';
export { SPECTROGRAM_SETTINGS, binWindowSeconds, type SpectrogramSettings, type ResolutionSettings, type BinGroup } from './settings';
export { referenceConstantQ } from './reference';
