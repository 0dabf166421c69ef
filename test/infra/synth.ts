import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { buildApp } from '../../infra/lib/app';
import { INGEST_ENTRY, PROJECT_ROOT, type NotescribeStack } from '../../infra/lib/stack';

/** What one synthesis yields. */
export interface Synthesis {
  readonly stack: NotescribeStack;
  readonly template: Template;
  /** The plain template JSON, for loops over every resource. */
  readonly json: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, { Value: unknown }> };
  /** The cloud assembly directory (assets manifest, staged assets). */
  readonly outdir: string;
  /** cdk-nag's findings as CDK's validation report lists them (empty when clean). */
  readonly violations: unknown[];
  /** Deletes the cloud assembly directory (call in afterAll). */
  readonly dispose: () => void;
}

/**
 * Synthesises the app as `cdk deploy` would (cdk.json's context plus `context`), with the cdk-nag AwsSolutions
 * plugin, into a fresh temporary directory. Docker is not needed: the worker image is only staged. The ingest
 * handler is bundled by the local esbuild from the real lambdas/ingest/handler.ts.
 */
export function synthesise(context: Record<string, unknown> = {}): Synthesis {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const outdir = mkdtempSync(join(tmpdir(), 'notescribe-cdk-'));
  const app = new App({ outdir, context: { ...cdkJson.context, ...context } });
  const { stack } = buildApp({ app, ingestEntry: INGEST_ENTRY });
  app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ violations?: unknown[] }>;
  };
  const template = Template.fromStack(stack);
  return {
    stack,
    outdir,
    template,
    json: template.toJSON() as Synthesis['json'],
    violations: report.pluginReports.flatMap((r) => r.violations ?? []),
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

interface AssetManifest {
  dockerImages: Record<string, { source: { directory: string; dockerFile?: string; dockerBuildTarget?: string; platform?: string } }>;
}

function assetManifest(s: Synthesis): AssetManifest {
  return JSON.parse(readFileSync(join(s.outdir, `${s.stack.artifactId}.assets.json`), 'utf8')) as AssetManifest;
}

/** The Docker image assets of the stack: how CDK will build each on deploy. */
export function dockerImages(s: Synthesis): Array<{ dockerFile?: string; dockerBuildTarget?: string; platform?: string }> {
  return Object.values(assetManifest(s).dockerImages).map(({ source }) => ({
    ...(source.dockerFile === undefined ? {} : { dockerFile: source.dockerFile }),
    ...(source.dockerBuildTarget === undefined ? {} : { dockerBuildTarget: source.dockerBuildTarget }),
    ...(source.platform === undefined ? {} : { platform: source.platform }),
  }));
}

/** The staged build context of the (single) image asset. */
export function stagedImageDirectory(s: Synthesis): string {
  const [image] = Object.values(assetManifest(s).dockerImages);
  if (image === undefined) throw new Error('no Docker image asset');
  return join(s.outdir, image.source.directory);
}

let current: Synthesis | undefined;

/** Makes `s` the synthesis the expect* helpers below assert on (call it in beforeAll). */
export function use(s: Synthesis): Synthesis {
  current = s;
  return s;
}

function template(): Template {
  if (current === undefined) throw new Error('call use(synthesise(...)) first');
  return current.template;
}

/** Asserts a resource of `type` has these properties (Template.hasResourceProperties). */
export function expectResource(type: string, props: unknown): void {
  template().hasResourceProperties(type, props);
}

/** Asserts the template holds exactly `count` resources of `type`. */
export function expectCount(type: string, count: number): void {
  template().resourceCountIs(type, count);
}

/** Asserts an output with these properties exists. */
export function expectOutput(id: string, props: unknown): void {
  template().hasOutput(id, props);
}
