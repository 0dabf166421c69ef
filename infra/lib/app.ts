import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { resolveSettings } from './settings';
import { NotescribeStack, type NotescribeStackProps } from './stack';

export interface BuildAppOptions {
  /** The app to populate. @default a new App reading cdk.json and `-c` context */
  readonly app?: App;
  /** Where to deploy. @default environment-agnostic */
  readonly env?: Environment;
  /** Overrides the ingest handler file (tests). @default INGEST_ENTRY */
  readonly ingestEntry?: string;
}

/**
 * Builds the app: settings from context (`stackName` names the stack, default `Notescribe`), one NotescribeStack,
 * and the cdk-nag AwsSolutions checks, which fail synthesis on any unsuppressed finding.
 * @throws NotescribeError `INVALID_SETTINGS` listing every bad context value.
 */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: NotescribeStack } {
  const app = options.app ?? new App();
  const settings = resolveSettings((key) => app.node.tryGetContext(key));
  const stackName = String(app.node.tryGetContext('stackName') ?? 'Notescribe');
  const props: NotescribeStackProps = {
    settings,
    description: `notescribe transcription pipeline (${settings.workerMode} worker)`,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.ingestEntry === undefined ? {} : { ingestEntry: options.ingestEntry }),
  };
  const stack = new NotescribeStack(app, stackName, props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
