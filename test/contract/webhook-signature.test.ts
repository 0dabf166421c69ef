import { createHmac } from 'node:crypto';
import { signatureHeader, verifySignature } from '../../contract/webhook-signature';

describe('webhook signatures', () => {
  const body = '{"jobId":"abc","state":"done"}';
  const secret = 'whsec_test';

  it('is HMAC-SHA256 over "timestamp.body", hex, in t=…,v1=… form', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader(secret, 1700000000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signature within the tolerance', () => {
    const header = signatureHeader(secret, 1700000000, body);
    expect(verifySignature(secret, header, body, { nowSeconds: 1700000100 })).toBe(true);
  });

  it('refuses a changed body, another secret, an old timestamp and a malformed header', () => {
    const header = signatureHeader(secret, 1700000000, body);
    expect(verifySignature(secret, header, `${body} `, { nowSeconds: 1700000000 })).toBe(false);
    expect(verifySignature('other', header, body, { nowSeconds: 1700000000 })).toBe(false);
    expect(verifySignature(secret, header, body, { nowSeconds: 1700000301 })).toBe(false);
    expect(verifySignature(secret, 'v1=abc', body, { nowSeconds: 1700000000 })).toBe(false);
    expect(verifySignature(secret, undefined, body)).toBe(false);
  });

  it('accepts any of several v1 values (secret rotation)', () => {
    const good = signatureHeader(secret, 1700000000, body).split(',')[1] ?? '';
    expect(verifySignature(secret, `t=1700000000,v1=${'0'.repeat(64)},${good}`, body, { nowSeconds: 1700000000 })).toBe(true);
  });
});
