#!/usr/bin/env node
/** The CDK app (cdk.json runs it): `npx cdk deploy -c workerMode=fargate …`; settings are listed in docs/deploy.md. */
import { buildApp } from '../lib/app';

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
buildApp(account === undefined || region === undefined ? {} : { env: { account, region } });
