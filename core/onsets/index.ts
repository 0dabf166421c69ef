export { detectOnsets, onsetSpans, onsetStrength, pickOnsets, type DetectOnsetsOptions } from './detect';
export { extractWindows, type ExtractWindowsOptions } from './windows';
export { ONSET_SETTINGS, type OnsetSettings } from './constants';
export { SPECTROGRAM_FLOOR } from './floor';
export { OnsetError } from './errors';
