import { synthesizeClient, type CloudFormationTemplate } from '../../local/synthesize-stack';
import { sharedForRun } from './run-cache';

/**
 * The synthesized template of a client's stack, synthesized ONCE per jest run and shared by every
 * test file through the run's cache folder (run-cache.ts). It is exactly what `synthesizeClient`
 * returns (the stack's own definition: tables, routes, functions, state machines), read back from
 * JSON: no hand-written copy. A synth costs 5–10 s of CPU per call in a jest worker; the
 * integration tests used to run two dozen of them.
 */
const inProcess = new Map<string, CloudFormationTemplate>();

export function synthesizedTemplate(clientId = 'example'): CloudFormationTemplate {
  const cached = inProcess.get(clientId);
  if (cached) return cached;
  const template = sharedForRun(`template-${clientId}`, () => synthesizeClient(clientId).template);
  inProcess.set(clientId, template);
  return template;
}
