#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { resolve } from 'node:path';
import { ClientConfigError, loadClientConfigs } from '../src/config/load-client-configs';
import { addClientStacks, UnknownClientError } from '../src/stack/itsm-app';

try {
  const app = new App();
  // ITSM_CLIENTS_DIR lets ops (and tests) synthesize from another folder of client files.
  addClientStacks(app, loadClientConfigs(process.env['ITSM_CLIENTS_DIR'] ?? resolve(__dirname, '../clients')));
  // Every synth is checked by cdk-nag: an unacknowledged error stops it (docs/security.md). The
  // acknowledgements are also written into each resource's template Metadata (`cdk_nag`) as an
  // audit trail.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    new ServerlessChecks(app),
  );
  app.synth();
} catch (error) {
  // A bad client file must stop the synth with a message a person can act on, not a stack trace.
  if (error instanceof ClientConfigError || error instanceof UnknownClientError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
