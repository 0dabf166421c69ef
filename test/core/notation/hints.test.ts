import { NotescribeError } from '../../../core/errors';
import { buildScore, parseScoreHints, toMidi, toMusicXml } from '../../../core/notation';
import { renderOutputs } from '../../../core/transcribe';
import { assertValidMusicXml, parseXml, queryAll, textOf, textsOf } from '../../helpers/xml';
import { bassDownbeats, performed, type BeatNote } from './fixtures';

/** Four bars of quarter notes over a bass note per bar: the engine reads it as 4/4 in C major at 120. */
const PLAIN: BeatNote[] = [...Array.from({ length: 16 }, (_, b) => [60 + ((2 * b) % 12), b, 1, 80] as const), ...bassDownbeats(4)];

function invalid(run: () => unknown): NotescribeError {
  try {
    run();
  } catch (error) {
    if (error instanceof NotescribeError) return error;
    throw error;
  }
  throw new Error('expected a NotescribeError');
}

describe('parseScoreHints', () => {
  it('parses tempo, time signature and key from plain strings', () => {
    expect(parseScoreHints({ tempo: '96', timeSignature: '6/8', key: 'Eb major' })).toEqual({
      tempoBpm: 96,
      timeSignature: { beats: 6, beatType: 8 },
      key: { fifths: -3, mode: 'major', tonicPitchClass: 3 },
    });
  });

  it.each([
    ['F# minor', { fifths: 3, mode: 'minor', tonicPitchClass: 6 }],
    ['c minor', { fifths: -3, mode: 'minor', tonicPitchClass: 0 }],
    ['Bbm', { fifths: -5, mode: 'minor', tonicPitchClass: 10 }],
    ['A', { fifths: 3, mode: 'major', tonicPitchClass: 9 }],
    ['C# major', { fifths: 7, mode: 'major', tonicPitchClass: 1 }],
    ['B♭ major', { fifths: -2, mode: 'major', tonicPitchClass: 10 }],
  ])('reads the key "%s"', (text, key) => {
    expect(parseScoreHints({ key: text }).key).toEqual(key);
  });

  it('reads C and ¢ as 4/4 and 2/2, and keeps title and composer as typed (trimmed)', () => {
    expect(parseScoreHints({ timeSignature: 'C' }).timeSignature).toEqual({ beats: 4, beatType: 4 });
    expect(parseScoreHints({ timeSignature: '¢' }).timeSignature).toEqual({ beats: 2, beatType: 2 });
    expect(parseScoreHints({ title: ' Prélude ', composer: 'Bach' })).toEqual({ title: 'Prélude', composer: 'Bach' });
  });

  it('treats blank strings as absent', () => {
    expect(parseScoreHints({ tempo: '', timeSignature: '  ', key: '', title: '' })).toEqual({});
  });

  it('reports every bad field at once as INVALID_SETTINGS', () => {
    const error = invalid(() => parseScoreHints({ tempo: 'fast', timeSignature: '6/7', key: 'H major' }));
    expect(error.code).toBe('INVALID_SETTINGS');
    expect(error.message).toContain('tempo "fast"');
    expect(error.message).toContain('time signature "6/7"');
    expect(error.message).toContain('key "H major"');
    expect(error.context['problems']).toHaveLength(3);
  });

  it.each(['0', '1000', '-5', '12abc'])('refuses the tempo "%s"', (tempo) => {
    expect(invalid(() => parseScoreHints({ tempo })).message).toContain('quarter notes per minute from 20 to 400');
  });

  it.each(['0/4', '40/4', '3/5', '3', '3/4/4'])('refuses the time signature "%s"', (timeSignature) => {
    expect(invalid(() => parseScoreHints({ timeSignature })).code).toBe('INVALID_SETTINGS');
  });
});

describe('buildScore with hints', () => {
  const notes = performed(PLAIN, { bpm: 120, jitterSeconds: 0.01, seed: 4 });

  it('estimates 4/4, C major and 120 without hints (the baseline the hints override)', () => {
    const score = buildScore(notes);
    expect(score.timeSignature).toEqual({ beats: 4, beatType: 4 });
    expect(score.key.fifths).toBe(0);
    expect(score.parts[0]?.measures[0]?.tempoBpm).toBe(120);
  });

  it('writes the hinted time signature, key, title and composer into the MusicXML', () => {
    const hints = parseScoreHints({ title: 'Étude', composer: 'Ann <Composer>', timeSignature: '3/4', key: 'Eb major' });
    const xml = toMusicXml(buildScore(notes, { title: 'file-name', hints }));
    assertValidMusicXml(xml);
    const doc = parseXml(xml);
    expect(textOf(doc, 'score-partwise/work/work-title')).toBe('Étude');
    expect(textOf(doc, 'score-partwise/identification/creator')).toBe('Ann <Composer>');
    expect(textsOf(doc, '//measure[1]/attributes/time/*')).toEqual(['3', '4']);
    expect(textOf(doc, '//measure[1]/attributes/key/fifths')).toBe('-3');
    // Sixteen beats in 3/4: five full bars and a sixth with the last beat (no pickup: the first note is a downbeat).
    expect(queryAll(doc, '//measure')).toHaveLength(6);
    // In E-flat major the black keys are spelt flat (A♭, B♭, G♭), never sharp.
    const alters = queryAll(doc, '//note/pitch').map((p) => `${textOf(p, 'step') ?? ''}${textOf(p, 'alter') ?? ''}`);
    expect(alters).toEqual(expect.arrayContaining(['A-1', 'B-1', 'G-1']));
    expect(alters.some((a) => a.endsWith('1') && !a.endsWith('-1'))).toBe(false);
  });

  it('forces the hinted tempo when the notes would suggest its double', () => {
    const score = buildScore(notes, { hints: { tempoBpm: 60 } });
    expect(score.parts[0]?.measures[0]?.tempoBpm).toBe(60);
    // At ♩ = 60 the sixteen notes (one per half second) are eighths: two 4/4 bars.
    expect(score.parts[0]?.measures).toHaveLength(2);
  });

  it.each([
    ['6/8', 72],
    ['3/8', 36],
    ['2/2', 96],
    ['9/8', 108],
  ])('lays out bars of %s (%i divisions) and writes valid MusicXML', (timeSignature, divisions) => {
    const score = buildScore(notes, { hints: parseScoreHints({ timeSignature }) });
    const [beats, beatType] = timeSignature.split('/').map(Number);
    expect(score.timeSignature).toEqual({ beats, beatType });
    const full = score.parts[0]?.measures.filter((m) => !m.implicit) ?? [];
    expect(full.every((m) => m.duration === divisions)).toBe(true);
    assertValidMusicXml(toMusicXml(score));
    expect(toMidi(score).length).toBeGreaterThan(0);
  });

  it('is threaded through renderOutputs', () => {
    const { outputs } = renderOutputs(notes, { formats: ['musicxml'], hints: { composer: 'Clara', timeSignature: { beats: 2, beatType: 4 } } });
    const doc = parseXml(new TextDecoder().decode(outputs.musicxml));
    expect(textOf(doc, 'score-partwise/identification/creator')).toBe('Clara');
    expect(textOf(doc, 'score-partwise/work/work-title')).toBe('Transcription');
    expect(textsOf(doc, '//measure[1]/attributes/time/*')).toEqual(['2', '4']);
  });
});
