import { resolve } from 'node:path';
import { findViolations, sourceFiles, type Violation } from '../support/module-boundaries';

const ROOT = resolve(__dirname, '../..');
const describeViolations = (violations: readonly Violation[]) => violations.map((v) => `${v.file} imports ${v.imports}: ${v.rule}`).join('\n');

describe('module boundaries', () => {
  it('the source tree keeps every dependency rule', () => {
    const violations = findViolations(sourceFiles(ROOT, ['src']));
    expect(describeViolations(violations)).toBe('');
  });

  it("a layer's public entry re-exports only that layer", () => {
    const files = sourceFiles(ROOT, ['src/modules']);
    const entries = [...files].filter(([file]) => /^src\/modules\/[^/]+\/[^/]+\/index\.ts$/.test(file));
    expect(entries.length).toBeGreaterThan(0);
    for (const [file, source] of entries) {
      const specifiers = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect([file, specifiers.filter((s) => !/^\.\/[^/]+$/.test(s!))]).toEqual([file, []]);
    }
  });

  // Each planted file breaks one rule; the checker must name it (a checker that finds nothing fails here).
  const planted: ReadonlyArray<[string, string, string, RegExp]> = [
    ['a domain importing its own adapters', 'src/modules/incidents/domain/x.ts', "import { a } from '../adapters/dynamodb-incident-repository';", /domain imports only/],
    ['a domain importing an SDK', 'src/modules/incidents/domain/x.ts', "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", /domain is pure/],
    ['a domain importing Node', 'src/kernel/domain/x.ts', "import { randomUUID } from 'node:crypto';", /domain is pure/],
    ['a domain importing values of another module', 'src/modules/problems/domain/x.ts', "import { openIncident } from '../../incidents/domain';", /domain imports only/],
    ["a domain importing another module's app", 'src/modules/problems/domain/x.ts', "import type { IncidentDeps } from '../../incidents/app';", /domain imports only/],
    ["app importing another module's adapters", 'src/modules/problems/app/x.ts', "import { DynamoDbIncidentRepository } from '../../incidents/adapters';", /app never imports adapters/],
    ['app importing adapters', 'src/modules/changes/app/x.ts', "import { DynamoDbChangeRepository } from '../adapters/dynamodb-change-repository';", /app never imports adapters/],
    ['app importing kernel adapters', 'src/modules/changes/app/x.ts', "import { createDocumentClient } from '../../../kernel/adapters/document-client';", /app never imports adapters/],
    ['app importing infra', 'src/modules/changes/app/x.ts', "import { ChangesModule } from '../infra/changes-module';", /app never imports/],
    ['app importing the platform', 'src/modules/changes/app/x.ts', "import { requireEnv } from '../../../platform/runtime-environment';", /app never imports the platform/],
    ['app reading configuration values', 'src/modules/changes/app/x.ts', "import { clientSettingsSchema } from '../../../config/client-settings-schema';", /types only/],
    ['a module reaching into another', 'src/modules/reports/app/x.ts', "import { incidentChangeEntry } from '../../audit/app/audit-use-cases';", /public entries/],
    ['the kernel importing a module', 'src/kernel/http/x.ts', "import { Incident } from '../../modules/incidents/domain';", /kernel imports only the kernel/],
    ["the kernel's domain importing its app", 'src/kernel/domain/x.ts', "import type { Clock } from '../app/ports';", /kernel's domain imports only/],
    ['production code importing a local stand-in', 'src/modules/monitoring/functions/x.ts', "import { FileAlarmTagSource } from '../../../../local/stand-ins/file-alarm-tag-source';", /never imports local/],
    ['infra importing a function entry', 'src/modules/audit/infra/x.ts', "import { handler } from '../functions/audit-handler';", /never imports them/],
    ['an adapter importing a function entry', 'src/modules/audit/adapters/x.ts', "const h = require('../functions/audit-handler');", /never import functions/],
  ];
  it.each(planted)('finds %s', (_name, file, source, rule) => {
    const files = new Map([[file, source]]);
    const violations = findViolations(files);
    expect(violations.map((v) => v.rule).join('\n')).toMatch(rule);
  });

  it('allows what the rules allow', () => {
    const allowed = new Map([
      ['src/modules/problems/domain/a.ts', "import type { Actor } from '../../../kernel/domain/actor';\nimport { b } from './b';\nimport type { OutageInterval } from '../../incidents/domain';"],
      ['src/modules/problems/app/a.ts', "import { openIncident } from '../../incidents/domain';\nimport { createIncident } from '../../incidents/app';\nimport type { ClientSettings } from '../../../config/client-settings-schema';\nimport type { Clock } from '../../../kernel/app/ports';"],
      ['src/modules/problems/functions/a.ts', "import { DynamoDbIncidentRepository } from '../../incidents/adapters';\nimport { requireEnv } from '../../../platform/runtime-environment';"],
      ['src/stack/a.ts', "import { ProblemsModule } from '../modules/problems/infra/problems-module';"],
    ]);
    expect(describeViolations(findViolations(allowed))).toBe('');
  });
});
