import {
  DEFAULT_KEY_LAYOUT,
  featuresKeyFor,
  jobIdFor,
  outputKeyFor,
  resultsPrefixFor,
  s3EventKeyCandidates,
  statusKeyFor,
  titleFromKey,
} from '../../contract/keys';

describe('S3 event keys', () => {
  it('decodes S3 form: percent-encoding with + for spaces', () => {
    expect(s3EventKeyCandidates('uploads/my+song+%281%29.wav')).toEqual([
      'uploads/my song (1).wav',
      'uploads/my+song+%281%29.wav',
    ]);
  });

  it('decodes UTF-8 percent-encoding of unicode names', () => {
    expect(s3EventKeyCandidates('uploads/F%C3%BCr+Elise+%E2%99%AB.wav')[0]).toBe('uploads/Für Elise ♫.wav');
  });

  it('keeps a literal plus sign that S3 encoded as %2B', () => {
    expect(s3EventKeyCandidates('uploads/C%2B%2B.wav')[0]).toBe('uploads/C++.wav');
  });

  it('falls back to the raw key when it is not valid percent-encoding', () => {
    expect(s3EventKeyCandidates('uploads/100%.wav')).toEqual(['uploads/100%.wav']);
  });

  it('offers a raw unicode key once', () => {
    expect(s3EventKeyCandidates('uploads/Für.wav')).toEqual(['uploads/Für.wav']);
  });
});

describe('key layout', () => {
  const key = 'uploads/a/Für Elise.wav';
  const id = jobIdFor('b', key, '"abc"');

  it('derives one job id per bucket, key and ETag (quotes ignored)', () => {
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(jobIdFor('b', key, 'abc')).toBe(id);
    expect(jobIdFor('b', key, 'abd')).not.toBe(id);
  });

  it('places status, results, features and outputs', () => {
    expect(statusKeyFor(DEFAULT_KEY_LAYOUT, key)).toBe('status/a/Für Elise.wav.json');
    expect(statusKeyFor(DEFAULT_KEY_LAYOUT, 'a/Für Elise.wav')).toBe('status/a/Für Elise.wav.json');
    expect(resultsPrefixFor(DEFAULT_KEY_LAYOUT, key, id)).toBe(`results/a/Für Elise.wav/${id}/`);
    expect(featuresKeyFor(DEFAULT_KEY_LAYOUT, id)).toBe(`features/${id}.nsf`);
    expect(outputKeyFor('results/x/', 'musicxml')).toBe('results/x/score.musicxml');
    expect(outputKeyFor('results/x/', 'midi')).toBe('results/x/score.mid');
  });

  it('titles a score by its file name without extension', () => {
    expect(titleFromKey(key)).toBe('Für Elise');
    expect(titleFromKey('uploads/.hidden')).toBe('.hidden');
  });
});
