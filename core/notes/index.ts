/** Note assembly: model outputs at onsets plus the spectrogram become notes with durations. */
export { assembleNotes, type AssembleNotesInput, type NoteAssemblyOptions, type NoteThresholds } from './assemble';
export { cutReleaseWindows, endNotesByRelease, releaseStep, type ReleaseOptions } from './release';
