export * from './transcription';
export { bipartiteMatch } from './bipartite-match';
export { InvalidNoteListError } from './errors';
export * from './windows';
