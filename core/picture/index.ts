/** Pictures of a transcription: the spectrogram with the detected notes drawn over it, as PNG bytes. */
export { renderPicture, type PictureInput } from './render';
export { timeGridOf, type TimeGrid } from './grid';
