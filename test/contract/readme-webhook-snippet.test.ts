import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signatureHeader, verifySignature } from '../../contract/webhook-signature';

/**
 * The README's webhook verification snippet, run as written: receivers copy it, so it must refuse what the sender
 * never sends (no header, junk) without throwing, and accept what it does send (spaces after commas, several `v1`
 * values during a secret rotation, a Buffer body), agreeing with contract/webhook-signature.ts everywhere.
 */
type Verify = (secret: string, header: string | undefined, rawBody: string | Buffer, toleranceSeconds?: number) => boolean;

function readmeVerify(): Verify {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Webhooks'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md: no ```js block under ### Webhooks');
  return new Function('require', `${code}\nreturn verify;`)(require) as Verify;
}

describe("README's webhook verification snippet", () => {
  const verify = readmeVerify();
  const secret = 'whsec_readme';
  const body = '{"jobId":"abc","state":"done"}';
  const now = Math.floor(Date.now() / 1000);
  const good = signatureHeader(secret, now, body);
  const goodV1 = good.split(',')[1] ?? '';

  it.each<{ name: string; header: string | undefined; expected: boolean }>([
    { name: 'the header as sent', header: good, expected: true },
    { name: 'spaces after the comma and around =', header: `t=${now}, ${goodV1.replace('=', ' = ')}`, expected: true },
    { name: 'several v1 values, the right one last', header: `t=${now},v1=${'0'.repeat(64)},${goodV1}`, expected: true },
    { name: 'no header at all', header: undefined, expected: false },
    { name: 'an empty header', header: '', expected: false },
    { name: 'junk', header: 'garbage', expected: false },
    { name: 'no timestamp', header: goodV1, expected: false },
    { name: 'a timestamp ten minutes old', header: signatureHeader(secret, now - 600, body), expected: false },
    { name: 'another secret', header: signatureHeader('other', now, body), expected: false },
    { name: 'a v1 that is not hex', header: `t=${now},v1=zz`, expected: false },
  ])('$name → $expected', ({ header, expected }) => {
    expect(verify(secret, header, body)).toBe(expected);
    expect(verifySignature(secret, header, body)).toBe(expected);
  });

  it('verifies the raw bytes, given as a Buffer, and refuses a changed body', () => {
    expect(verify(secret, good, Buffer.from(body))).toBe(true);
    expect(verify(secret, good, `${body} `)).toBe(false);
  });
});
