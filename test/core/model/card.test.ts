import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelCard, validateModelCard, type ModelCard } from '../../../core/model/card';
import { NotescribeError } from '../../../core/errors';

const fixtureCard = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/model/fixture.card.json'), 'utf8'),
) as ModelCard;

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof NotescribeError ? `${error.code}: ${error.message}` : String(error);
  }
  return 'no error';
}

describe('model card', () => {
  it('accepts the fixture card and keeps extra fields', () => {
    const card = validateModelCard({ ...fixtureCard, metrics: { f1: 0.5 } });
    expect(card.thresholds.onset).toBe(0.5);
    expect(card['metrics']).toEqual({ f1: 0.5 });
  });

  it('parses from bytes', () => {
    expect(parseModelCard(new TextEncoder().encode(JSON.stringify(fixtureCard))).name).toBe('notescribe-test-fixture');
  });

  it('refuses text that is not JSON', () => {
    expect(codeOf(() => parseModelCard('{ nope'))).toMatch(/^MODEL_LOAD_FAILED: Model card is not JSON/);
  });

  it('collects every schema problem into one error', () => {
    const { dspParametersHash: _hash, ...withoutHash } = fixtureCard;
    const message = codeOf(() => validateModelCard({ ...withoutHash, thresholds: { onset: 2 } }));
    expect(message).toMatch(/^MODEL_LOAD_FAILED/);
    expect(message).toContain("must have required property 'dspParametersHash'");
    expect(message).toContain('/thresholds/onset must be < 1');
  });

  it('refuses a card whose tensor names or shapes differ from the contract', () => {
    const card = {
      ...fixtureCard,
      io: {
        ...fixtureCard.io,
        input: { name: 'x', shape: ['batch', 1, 13, 300] },
        velocity: { name: 'velocity', shape: [1, 88] },
      },
    };
    const message = codeOf(() => validateModelCard(card));
    expect(message).toMatch(/^MODEL_MISMATCH/);
    expect(message).toContain('card io.input is named "x", the engine expects "windows"');
    expect(message).toContain('card io.input has shape [batch, 1, 13, 300], expected [batch, 1, 13, 352]');
    expect(message).toContain('card io.velocity has a fixed batch size of 1');
  });
});
