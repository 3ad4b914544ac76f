/**
 * Runs three independent OpenAPI checkers on a rendered document (a JSON file named by the first
 * argument) and prints their findings as one JSON object. A separate Node process because
 * @redocly/openapi-core 2 is ESM only, which jest's CommonJS module system cannot load.
 * Nothing here reaches the network: the document has no external $refs, and the checkers are
 * given it as an object or string.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { BaseResolver, createConfig, lintDocument, makeDocumentFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';

const file = process.argv[2];
const text = await readFile(file, 'utf8');
const result = {};

try {
  // validate() dereferences in place: hand it a copy.
  await SwaggerParser.validate(JSON.parse(text));
  result.swaggerParser = { valid: true };
} catch (error) {
  result.swaggerParser = { valid: false, message: String(error?.message ?? error).slice(0, 4000) };
}

try {
  const config = await createConfig({ extends: ['recommended'] });
  const document = makeDocumentFromString(text, pathToFileURL(file).href);
  const problems = await lintDocument({ document, config, externalRefResolver: new BaseResolver() });
  result.redocly = {
    problems: problems.map((p) => ({
      ruleId: p.ruleId,
      severity: p.severity,
      message: p.message,
      pointer: p.location?.[0]?.pointer,
    })),
  };
} catch (error) {
  result.redocly = { crashed: String(error?.message ?? error) };
}

try {
  const ast = await openapiTS(JSON.parse(text), { silent: true });
  const source = astToString(ast);
  result.openapiTypescript = { ok: true, length: source.length, hasPaths: source.includes('export interface paths'), source };
} catch (error) {
  result.openapiTypescript = { ok: false, message: String(error?.message ?? error).slice(0, 4000) };
}

process.stdout.write(JSON.stringify(result));
