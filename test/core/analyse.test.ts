import { analyseAudio, type AnalyseStage } from '../../core/analyse';
import { NotescribeError } from '../../core/errors';
import { BIN_COUNT } from '../../core/params';
import { encodeWav16 } from '../fixtures/model/wav';
import { renderPiano } from '../helpers/piano-synth';

describe('analyseAudio', () => {
  const notes = [
    { pitch: 57, onsetSeconds: 0.2, offsetSeconds: 0.6, velocity: 90 },
    { pitch: 69, onsetSeconds: 0.7, offsetSeconds: 1.1, velocity: 50 },
    { pitch: 45, onsetSeconds: 1.2, offsetSeconds: 1.5, velocity: 110 },
  ];
  // The audio runs on past the last release so it ends in near-silence, not mid-note.
  const wav = encodeWav16(renderPiano(notes, { durationSeconds: 2.2 }), 16_000);

  it('decodes, computes the spectrogram and finds each strike, reporting progress in order', async () => {
    const reports: [number, AnalyseStage][] = [];
    const analysis = await analyseAudio(wav, { onProgress: (fraction, stage) => reports.push([fraction, stage]) });
    expect(analysis.spectrogram).toMatchObject({ frameCount: 220, binCount: BIN_COUNT, frameRateHz: 100 });
    expect(Array.from(analysis.onsetFrames)).toEqual([20, 70, 120]);
    expect(analysis.durationSeconds).toBe(2.2);
    expect(analysis.source).toEqual({ format: 'wav', sampleRateHz: 16_000, channels: 1 });
    expect(reports[0]).toEqual([0, 'decode']);
    expect(reports[reports.length - 1]).toEqual([1, 'onsets']);
    const fractions = reports.map(([fraction]) => fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(new Set(reports.map(([, stage]) => stage))).toEqual(new Set(['decode', 'spectrogram', 'onsets']));
  });

  it('passes on the decoder limits and its error codes', async () => {
    await expect(analyseAudio(wav, { maxSeconds: 1 })).rejects.toMatchObject({ code: 'AUDIO_TOO_LONG' });
    await expect(analyseAudio(wav, { maxBytes: 100 })).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE' });
    await expect(analyseAudio(new TextEncoder().encode('hello'))).rejects.toBeInstanceOf(NotescribeError);
  });
});
