/**
 * The bench sections, in run order. To add one: write scripts/bench/<name>.ts exporting a BenchSection and list it
 * here. `npm run bench -- --only <name>` runs one section.
 */
import { dspSection } from './dsp';
import { endToEndSection } from './end-to-end';
import { inferenceSection } from './inference';
import { processSection } from './process';
import type { BenchSection } from './types';

export const SECTIONS: readonly BenchSection[] = [dspSection, inferenceSection, endToEndSection, processSection];
