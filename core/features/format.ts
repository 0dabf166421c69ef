import type { Spectrogram } from '../types';
import { FeatureFileError } from './errors';
import { DSP_PARAMETERS, DSP_PARAMETERS_HASH, type DspParameters } from './parameters';

/**
 * The notescribe feature file (`.nsf`), version 1. All integers and floats little-endian; layout in docs/features.md:
 *
 *   0   8 bytes  magic 89 4E 53 46 0D 0A 1A 0A ("\x89NSF\r\n\x1a\n", PNG-style: catches 7-bit and text-mode damage)
 *   8   uint32   format version (1)
 *   12  uint32   H, byte length of the header (UTF-8 JSON, space-padded so 16 + H is a multiple of 16)
 *   16  H bytes  header JSON (FeatureFileHeader)
 *   16+H         float32 spectrogram, frameCount × binCount, row-major [frame][bin]
 *   …            int32 onset frames, onsetCount, ascending
 *
 * Nothing follows; the file is exactly 16 + H + 4·frameCount·binCount + 4·onsetCount bytes. The data sections start
 * 16-byte aligned, so numpy.frombuffer and a JavaScript Float32Array can map them in place.
 */
export const FEATURE_FILE_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x4e, 0x53, 0x46, 0x0d, 0x0a, 0x1a, 0x0a);
export const FEATURE_FILE_VERSION = 1;
/** Conventional file name extension. */
export const FEATURE_FILE_EXTENSION = '.nsf';
const PREAMBLE_BYTES = 16;
const ALIGNMENT = 16;
/** A header is a few kilobytes; anything near this is damage, not a header. */
const MAX_HEADER_BYTES = 1 << 20;

/** Where the audio came from: decodeAudio's `source`. */
export interface FeatureSource {
  /** Container or codec, e.g. "wav", "mp3". */
  readonly format: string;
  /** The file's own sample rate, Hz (before resampling to SAMPLE_RATE_HZ). */
  readonly sampleRateHz: number;
  readonly channels: number;
}

/** What a feature file stores: analyseAudio's result. */
export interface FeatureAnalysis {
  /** `[frame][bin]` log amplitude. */
  readonly spectrogram: Spectrogram;
  /** Ascending onset frame indices. */
  readonly onsetFrames: Int32Array;
  /** Length of the decoded audio, seconds. */
  readonly durationSeconds: number;
  readonly source: FeatureSource;
}

/** Facts about the source that the engine cannot know from the samples; they identify the file for training. */
export interface FeatureFileMeta {
  /** The source's file name (no directories, so files made on different machines are byte-identical). */
  readonly sourceName: string;
  /** Lower-case hex SHA-256 of the source bytes, to tell when a source changed. */
  readonly sourceSha256?: string;
  /** Size of the source file, bytes. */
  readonly sourceByteLength?: number;
}

/** The JSON header of a feature file. */
export interface FeatureFileHeader {
  readonly format: 'notescribe-features';
  readonly frameCount: number;
  readonly binCount: number;
  readonly frameRateHz: number;
  readonly onsetCount: number;
  readonly durationSeconds: number;
  readonly source: FeatureSource & {
    readonly name: string;
    readonly sha256?: string;
    readonly byteLength?: number;
  };
  /** SHA-256 of dspParameters' canonical JSON (core/features DSP_PARAMETERS_HASH when written). */
  readonly dspParametersHash: string;
  /** core/features DSP_PARAMETERS of the engine that wrote it (an older engine's may differ in shape; the hash says). */
  readonly dspParameters: DspParameters;
}

/** A decoded feature file. `spectrogram.data` and `onsetFrames` are copies, not views of the input bytes. */
export interface FeatureFile {
  readonly version: number;
  readonly header: FeatureFileHeader;
  readonly spectrogram: Spectrogram;
  readonly onsetFrames: Int32Array;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Serialises an analysis. The output depends only on its inputs (no timestamps), so the same audio gives the same
 * bytes on every machine.
 *
 * @example
 *   const bytes = encodeFeatureFile(await analyseAudio(audio), { sourceName: 'take1.wav' });
 */
export function encodeFeatureFile(analysis: FeatureAnalysis, meta: FeatureFileMeta): Uint8Array {
  const { spectrogram, onsetFrames } = analysis;
  const { frameCount, binCount, frameRateHz, data } = spectrogram;
  if (data.length !== frameCount * binCount) {
    throw new FeatureFileError(`Spectrogram has ${data.length} values, not ${frameCount} × ${binCount}`);
  }
  const header: FeatureFileHeader = {
    format: 'notescribe-features',
    frameCount,
    binCount,
    frameRateHz,
    onsetCount: onsetFrames.length,
    durationSeconds: analysis.durationSeconds,
    source: {
      name: meta.sourceName,
      ...(meta.sourceSha256 === undefined ? {} : { sha256: meta.sourceSha256 }),
      ...(meta.sourceByteLength === undefined ? {} : { byteLength: meta.sourceByteLength }),
      format: analysis.source.format,
      sampleRateHz: analysis.source.sampleRateHz,
      channels: analysis.source.channels,
    },
    dspParametersHash: DSP_PARAMETERS_HASH,
    dspParameters: DSP_PARAMETERS,
  };
  const problems = checkOnsets(onsetFrames, frameCount);
  if (problems.length > 0) throw new FeatureFileError(`Cannot write onsets: ${problems.join('; ')}`, { problems });

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil((PREAMBLE_BYTES + json.length) / ALIGNMENT) * ALIGNMENT - PREAMBLE_BYTES;
  const spectrogramAt = PREAMBLE_BYTES + headerBytes;
  const onsetsAt = spectrogramAt + 4 * data.length;
  const bytes = new Uint8Array(onsetsAt + 4 * onsetFrames.length);
  const view = new DataView(bytes.buffer);
  bytes.set(FEATURE_FILE_MAGIC, 0);
  view.setUint32(8, FEATURE_FILE_VERSION, true);
  view.setUint32(12, headerBytes, true);
  bytes.set(json, PREAMBLE_BYTES);
  bytes.fill(0x20, PREAMBLE_BYTES + json.length, spectrogramAt);
  if (LITTLE_ENDIAN_HOST) {
    new Float32Array(bytes.buffer, spectrogramAt, data.length).set(data);
    new Int32Array(bytes.buffer, onsetsAt, onsetFrames.length).set(onsetFrames);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat32(spectrogramAt + 4 * i, data[i]!, true);
    for (let i = 0; i < onsetFrames.length; i++) view.setInt32(onsetsAt + 4 * i, onsetFrames[i]!, true);
  }
  return bytes;
}

export interface DecodeFeatureFileOptions {
  /** Refuse a file whose dspParametersHash differs (e.g. DSP_PARAMETERS_HASH to insist on this engine's). */
  readonly expectedDspParametersHash?: string;
}

/**
 * Parses and checks a feature file. Throws FeatureFileError (code INVALID_FEATURE_FILE) naming every problem found:
 * bad magic, unsupported version, truncated or oversized data, a header that does not describe the data, onsets out
 * of order or out of range, non-finite spectrogram values.
 */
export function decodeFeatureFile(bytes: Uint8Array, options: DecodeFeatureFileOptions = {}): FeatureFile {
  if (bytes.length < PREAMBLE_BYTES) {
    throw new FeatureFileError(`Not a feature file: ${bytes.length} bytes is shorter than the 16-byte preamble`);
  }
  if (!FEATURE_FILE_MAGIC.every((byte, i) => bytes[i] === byte)) {
    throw new FeatureFileError('Not a feature file: the magic number is wrong');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FEATURE_FILE_VERSION) {
    throw new FeatureFileError(
      `Feature file version ${version} is not supported (this engine reads version ${FEATURE_FILE_VERSION})`,
      { version },
    );
  }
  const headerBytes = view.getUint32(12, true);
  if (headerBytes > MAX_HEADER_BYTES || PREAMBLE_BYTES + headerBytes > bytes.length) {
    throw new FeatureFileError(`Feature file header length ${headerBytes} does not fit the ${bytes.length}-byte file`, {
      headerBytes,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerBytes)));
  } catch (error) {
    throw new FeatureFileError(`Feature file header is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const header = checkHeader(parsed);
  const spectrogramAt = PREAMBLE_BYTES + headerBytes;
  const values = header.frameCount * header.binCount;
  const expectedLength = spectrogramAt + 4 * values + 4 * header.onsetCount;
  if (bytes.length !== expectedLength) {
    throw new FeatureFileError(
      `Feature file is ${bytes.length} bytes but its header describes ${expectedLength} ` +
        `(${bytes.length < expectedLength ? 'truncated' : 'trailing data'})`,
      { length: bytes.length, expectedLength },
    );
  }
  if (
    options.expectedDspParametersHash !== undefined &&
    header.dspParametersHash !== options.expectedDspParametersHash
  ) {
    throw new FeatureFileError(
      `Feature file was made with other DSP parameters (hash ${header.dspParametersHash}, ` +
        `expected ${options.expectedDspParametersHash}); extract the features again`,
      { dspParametersHash: header.dspParametersHash, expected: options.expectedDspParametersHash },
    );
  }
  const data = new Float32Array(values);
  const onsetFrames = new Int32Array(header.onsetCount);
  const onsetsAt = spectrogramAt + 4 * values;
  const absolute = bytes.byteOffset + spectrogramAt;
  if (LITTLE_ENDIAN_HOST && absolute % 4 === 0) {
    data.set(new Float32Array(bytes.buffer, absolute, values));
    onsetFrames.set(new Int32Array(bytes.buffer, bytes.byteOffset + onsetsAt, header.onsetCount));
  } else {
    for (let i = 0; i < values; i++) data[i] = view.getFloat32(spectrogramAt + 4 * i, true);
    for (let i = 0; i < header.onsetCount; i++) onsetFrames[i] = view.getInt32(onsetsAt + 4 * i, true);
  }
  const problems = checkOnsets(onsetFrames, header.frameCount);
  const firstBad = data.findIndex((value) => !Number.isFinite(value));
  if (firstBad >= 0) problems.push(`spectrogram value ${firstBad} is ${data[firstBad]}`);
  if (problems.length > 0) throw new FeatureFileError(`Feature file data is invalid: ${problems.join('; ')}`, { problems });
  return {
    version,
    header,
    spectrogram: { data, frameCount: header.frameCount, binCount: header.binCount, frameRateHz: header.frameRateHz },
    onsetFrames,
  };
}

function checkOnsets(onsetFrames: Int32Array, frameCount: number): string[] {
  const problems: string[] = [];
  for (let i = 0; i < onsetFrames.length; i++) {
    const frame = onsetFrames[i]!;
    if (frame < 0 || frame >= frameCount) problems.push(`onset ${i} at frame ${frame} is outside 0…${frameCount - 1}`);
    else if (i > 0 && frame <= onsetFrames[i - 1]!) problems.push(`onset ${i} at frame ${frame} is not after the one before`);
    if (problems.length >= 5) break;
  }
  return problems;
}

function checkHeader(value: unknown): FeatureFileHeader {
  const problems: string[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FeatureFileError('Feature file header is not a JSON object');
  }
  const record = value as Record<string, unknown>;
  if (record['format'] !== 'notescribe-features') problems.push('format is not "notescribe-features"');
  for (const key of ['frameCount', 'binCount', 'onsetCount'] as const) {
    const count = record[key];
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      problems.push(`${key} is not a non-negative integer`);
    }
  }
  for (const key of ['frameRateHz', 'durationSeconds'] as const) {
    const number = record[key];
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) problems.push(`${key} is not a number ≥ 0`);
  }
  if (typeof record['dspParametersHash'] !== 'string') problems.push('dspParametersHash is not a string');
  if (record['dspParameters'] === null || typeof record['dspParameters'] !== 'object') {
    problems.push('dspParameters is not an object');
  }
  const source = record['source'];
  if (source === null || typeof source !== 'object') {
    problems.push('source is not an object');
  } else {
    const fields = source as Record<string, unknown>;
    if (typeof fields['name'] !== 'string') problems.push('source.name is not a string');
    if (typeof fields['format'] !== 'string') problems.push('source.format is not a string');
    if (typeof fields['sampleRateHz'] !== 'number') problems.push('source.sampleRateHz is not a number');
    if (typeof fields['channels'] !== 'number') problems.push('source.channels is not a number');
  }
  if (problems.length > 0) {
    throw new FeatureFileError(`Feature file header is invalid: ${problems.join('; ')}`, { problems });
  }
  return value as FeatureFileHeader;
}
