/**
 * Packages that our decoders' dependencies could load but never do here. ogg-opus-decoder imports its neural
 * "speech quality enhancement" decoder (@wasm-audio-decoders/opus-ml, 4 MB of JavaScript and wasm) only when a caller
 * asks for that enhancement, and notescribe never does. Bundles (the ingest Lambda, the bench's memory child) leave
 * them out: about 10 MB less memory at start, and a smaller Lambda package.
 */
export const NEVER_LOADED_MODULES: readonly string[] = ['@wasm-audio-decoders/opus-ml'];
