import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { generatedFiles, kernels } from '../../scripts/build-wasm';

const ROOT = path.join(__dirname, '..', '..');

describe('scripts/build-wasm.ts', () => {
  it('finds each kernel beside its stage', () => {
    expect(kernels()).toEqual([
      { name: 'cqt', stage: 'spectrogram' },
      { name: 'onsets', stage: 'onsets' },
      { name: 'resample', stage: 'audio' },
    ]);
  });

  // One asc run per kernel writes both files; compare them together.
  it.each(kernels().map((k) => [`core/${k.stage}/wasm/src/${k.name}.ts`, k] as const))(
    'the committed build of %s (module and bindings) is what asc makes of it now (run npm run build:wasm)',
    (_source, kernel) => {
      const files = generatedFiles(kernel);
      expect([...files.keys()].map((file) => path.relative(ROOT, file))).toEqual([
        `core/${kernel.stage}/wasm/generated/${kernel.name}.ts`,
        `core/${kernel.stage}/wasm/generated/${kernel.name}.bindings.d.ts`,
      ]);
      for (const [file, text] of files) {
        expect(existsSync(file) ? readFileSync(file, 'utf8') : `${file} is missing`).toBe(text);
      }
    },
  );
});
