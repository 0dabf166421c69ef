import {
  decodeFeatureFile,
  DSP_PARAMETERS,
  DSP_PARAMETERS_HASH,
  encodeFeatureFile,
  FeatureFileError,
  hashDspParameters,
  canonicalJson,
  type FeatureAnalysis,
} from '../../../core/features';
import { RESAMPLER_SETTINGS } from '../../../core/audio';

/** A 3-frame, 4-bin analysis with distinct values, so any misplaced byte shows. */
function tinyAnalysis(): FeatureAnalysis {
  return {
    spectrogram: {
      data: Float32Array.from({ length: 12 }, (_, i) => -10 + i * 0.5),
      frameCount: 3,
      binCount: 4,
      frameRateHz: 100,
    },
    onsetFrames: Int32Array.of(0, 2),
    durationSeconds: 0.03,
    source: { format: 'wav', sampleRateHz: 44_100, channels: 2 },
  };
}

function expectInvalid(bytes: Uint8Array, message: RegExp): void {
  let caught: unknown;
  try {
    decodeFeatureFile(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FeatureFileError);
  expect((caught as FeatureFileError).code).toBe('INVALID_FEATURE_FILE');
  expect((caught as FeatureFileError).message).toMatch(message);
}

describe('feature file', () => {
  it('round-trips spectrogram, onsets, duration and source exactly', () => {
    const bytes = encodeFeatureFile(tinyAnalysis(), { sourceName: 'a.wav', sourceSha256: 'ab'.repeat(32), sourceByteLength: 99 });
    const file = decodeFeatureFile(bytes);
    expect(file.version).toBe(1);
    expect(Array.from(file.spectrogram.data)).toEqual(Array.from(tinyAnalysis().spectrogram.data));
    expect(file.spectrogram).toMatchObject({ frameCount: 3, binCount: 4, frameRateHz: 100 });
    expect(Array.from(file.onsetFrames)).toEqual([0, 2]);
    expect(file.header.durationSeconds).toBe(0.03);
    expect(file.header.source).toEqual({
      name: 'a.wav',
      sha256: 'ab'.repeat(32),
      byteLength: 99,
      format: 'wav',
      sampleRateHz: 44_100,
      channels: 2,
    });
    expect(file.header.dspParametersHash).toBe(DSP_PARAMETERS_HASH);
    expect(file.header.dspParameters).toEqual(DSP_PARAMETERS);
  });

  it('lays the bytes out as documented: magic, version, header length, aligned float32 then int32', () => {
    const bytes = encodeFeatureFile(tinyAnalysis(), { sourceName: 'a.wav' });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x4e, 0x53, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(8, true)).toBe(1);
    const headerBytes = view.getUint32(12, true);
    expect((16 + headerBytes) % 16).toBe(0);
    expect(bytes.length).toBe(16 + headerBytes + 12 * 4 + 2 * 4);
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerBytes))).frameCount).toBe(3);
    expect(view.getFloat32(16 + headerBytes, true)).toBe(-10);
    expect(view.getFloat32(16 + headerBytes + 11 * 4, true)).toBe(-4.5);
    expect(view.getInt32(16 + headerBytes + 12 * 4 + 4, true)).toBe(2);
  });

  it('is byte-for-byte reproducible', () => {
    expect(encodeFeatureFile(tinyAnalysis(), { sourceName: 'a.wav' })).toEqual(
      encodeFeatureFile(tinyAnalysis(), { sourceName: 'a.wav' }),
    );
  });

  it('round-trips an empty analysis and one read from an unaligned offset', () => {
    const empty: FeatureAnalysis = { ...tinyAnalysis(), spectrogram: { data: new Float32Array(0), frameCount: 0, binCount: 352, frameRateHz: 100 }, onsetFrames: new Int32Array(0) };
    expect(decodeFeatureFile(encodeFeatureFile(empty, { sourceName: 'e' })).spectrogram.frameCount).toBe(0);
    const bytes = encodeFeatureFile(tinyAnalysis(), { sourceName: 'a.wav' });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(decodeFeatureFile(shifted.subarray(1)).spectrogram.data)).toEqual(Array.from(tinyAnalysis().spectrogram.data));
  });

  it('refuses bad magic, unknown versions, truncation, trailing bytes and broken headers', () => {
    const good = encodeFeatureFile(tinyAnalysis(), { sourceName: 'a.wav' });
    expectInvalid(good.subarray(0, 10), /shorter than the 16-byte preamble/);
    const badMagic = good.slice();
    badMagic[1] = 0x58;
    expectInvalid(badMagic, /magic number/);
    const badVersion = good.slice();
    new DataView(badVersion.buffer).setUint32(8, 2, true);
    expectInvalid(badVersion, /version 2 is not supported/);
    expectInvalid(good.subarray(0, good.length - 1), /truncated/);
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expectInvalid(longer, /trailing data/);
    const hugeHeader = good.slice();
    new DataView(hugeHeader.buffer).setUint32(12, 1e9, true);
    expectInvalid(hugeHeader, /header length/);
    const notJson = good.slice();
    notJson[16] = 0x7e;
    expectInvalid(notJson, /not UTF-8 JSON/);
  });

  it('refuses onsets out of range or order, non-finite values, and other DSP parameters when asked', () => {
    const backwards = encodeFeatureFile(tinyAnalysis(), { sourceName: 'a' });
    const view = new DataView(backwards.buffer);
    const onsetsAt = backwards.length - 8;
    view.setInt32(onsetsAt, 2, true);
    expectInvalid(backwards, /onset 1 at frame 2 is not after/);
    view.setInt32(onsetsAt, 0, true);
    view.setInt32(onsetsAt + 4, 3, true);
    expectInvalid(backwards, /onset 1 at frame 3 is outside 0…2/);
    const nan = encodeFeatureFile(tinyAnalysis(), { sourceName: 'a' });
    new DataView(nan.buffer).setFloat32(nan.length - 8 - 4, Number.NaN, true);
    expectInvalid(nan, /spectrogram value 11 is NaN/);
    const file = encodeFeatureFile(tinyAnalysis(), { sourceName: 'a' });
    expect(() => decodeFeatureFile(file, { expectedDspParametersHash: 'f'.repeat(64) })).toThrow(/other DSP parameters/);
    expect(decodeFeatureFile(file, { expectedDspParametersHash: DSP_PARAMETERS_HASH }).header.onsetCount).toBe(2);
    expect(() => encodeFeatureFile({ ...tinyAnalysis(), onsetFrames: Int32Array.of(1, 1) }, { sourceName: 'a' })).toThrow(
      FeatureFileError,
    );
  });
});

describe('DSP parameters', () => {
  it('hashes canonical JSON with sorted keys, so key order cannot change the hash', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 0.5, c: 'x' }] })).toBe('{"a":[2,{"c":"x","d":0.5}],"b":1}');
    expect(hashDspParameters({ b: 1, a: 2 })).toBe(hashDspParameters({ a: 2, b: 1 }));
    // sha256('{"a":2,"b":1}'), computed independently with `printf '{"a":2,"b":1}' | sha256sum`.
    expect(hashDspParameters({ b: 1, a: 2 })).toBe('d3626ac30a87e6f7a6428233b3c68299976865fa5508e4267c5415c76af7a772');
    expect(DSP_PARAMETERS_HASH).toBe(hashDspParameters(DSP_PARAMETERS));
    expect(DSP_PARAMETERS_HASH).toMatch(/^[0-9a-f]{64}$/);
  });

  it('carries the parameters that shape the features', () => {
    expect(DSP_PARAMETERS.params).toMatchObject({ SAMPLE_RATE_HZ: 16_000, HOP_SAMPLES: 160, BIN_COUNT: 352, WINDOW_FRAME_COUNT: 13 });
    expect(Object.keys(DSP_PARAMETERS).sort()).toEqual(['onsets', 'params', 'resampler', 'spectrogram']);
    expect(DSP_PARAMETERS.resampler).toEqual(RESAMPLER_SETTINGS);
    expect(Object.isFrozen(DSP_PARAMETERS.onsets)).toBe(true);
  });
});
