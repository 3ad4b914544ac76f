import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../../src/kernel/domain/access-policy';
import { call, RUNTIME_HOOK_TIMEOUT, sharedRuntime, type RuntimeProcess } from '../support/local-runtime-process';

/**
 * The README's worked example session ("### Examples"), run as written against the run's shared
 * local runtime (`npm start`): each `curl` of the fenced block in turn, with what the README tells
 * the reader to put in — BASE is the runtime's address, the tokens are `npm run token`'s, and
 * INC0000001 is the number the first step answered (a fresh runtime's first incident). A step
 * answers the status the README prints after it (`# HTTP/1.1 201 Created`), or a success.
 */
const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');
let runtime: RuntimeProcess;

beforeAll(async () => {
  runtime = await sharedRuntime();
}, RUNTIME_HOOK_TIMEOUT);

/** The first ```bash block under the heading. */
function exampleBlock(heading: string): string {
  const after = README.slice(README.indexOf(`\n${heading}\n`));
  const match = /```bash\n([\s\S]*?)```/.exec(after);
  if (!match) throw new Error(`No bash block under ${heading}`);
  return match[1]!;
}

interface Step {
  readonly command: string;
  /** Status the README prints after the command, if any. */
  readonly documented?: number;
}

/** Shell lines joined: backslash continuations and quotes left open across lines; comments kept apart. */
function stepsOf(block: string): Step[] {
  const steps: { command: string; documented?: number }[] = [];
  let pending = '';
  for (const line of block.split('\n')) {
    if (!pending && /^\s*#/.test(line)) {
      const status = /^\s*#\s*HTTP\/1\.1 (\d{3})/.exec(line);
      if (status && steps.length > 0) steps.at(-1)!.documented = Number(status[1]);
      continue;
    }
    if (!pending && !line.trim()) continue;
    pending += (pending ? '\n' : '') + line;
    const open = (pending.match(/'/g) ?? []).length % 2 === 1;
    if (open || pending.endsWith('\\')) {
      if (pending.endsWith('\\')) pending = pending.slice(0, -1);
      continue;
    }
    steps.push({ command: pending.replace(/\s+#[^'"]*$/, '').trim() });
    pending = '';
  }
  return steps;
}

/** Words of a command line: single quotes literal, double quotes and bare words expand $VARS. */
function words(command: string, vars: Record<string, string>): string[] {
  const expand = (text: string) => text.replace(/\$([A-Z_]+)/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`The README uses $${name} before setting it`);
    return vars[name]!;
  });
  const out: string[] = [];
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let current = '';
  let last = -1;
  for (let m = pattern.exec(command); m; m = pattern.exec(command)) {
    const piece = m[1] ?? expand(m[2] ?? m[3]!);
    if (last === m.index) current += piece;
    else {
      if (last !== -1) out.push(current);
      current = piece;
    }
    last = pattern.lastIndex;
  }
  if (last !== -1) out.push(current);
  return out;
}

test("the README's example session runs as written, each step answering what the README says", async () => {
  const vars: Record<string, string> = {};
  let firstNumber: string | undefined;
  const ran: string[] = [];
  for (const step of stepsOf(exampleBlock('### Examples'))) {
    const assignment = /^([A-Z_]+)=(.*)$/s.exec(step.command);
    if (assignment) {
      const [, name, value] = assignment;
      const token = /^\$\(npm run --silent token -- --role (\S+) --user (\S+)\)$/.exec(value!);
      if (name === 'BASE') vars[name] = runtime.url;
      else if (token) vars[name!] = await runtime.token(token[1] as Role, token[2]!);
      else vars[name!] = words(value!, vars).join(' ');
      continue;
    }
    const [program, ...args] = words(step.command, vars);
    expect(program).toBe('curl');
    let method = 'GET';
    let body: string | undefined;
    let url: string | undefined;
    const headers: Record<string, string> = {};
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === '-X') method = args[++i]!;
      else if (arg === '-H') {
        const [name, ...rest] = args[++i]!.split(':');
        headers[name!.trim()] = rest.join(':').trim();
      } else if (arg === '-d') body = args[++i]!;
      else if (/^-[a-z]+$/.test(arg)) continue; // -s, -i, -si: output only
      else url = arg;
    }
    if (body !== undefined && method === 'GET') method = 'POST';
    // The reader's incident is the one the first step logged: INC0000001 on a fresh runtime.
    const path = url!.slice(runtime.url.length).replace(/INC0000001/g, firstNumber ?? 'INC0000001');
    const answer = await call(runtime.url, method, path, { headers, ...(body !== undefined && { rawBody: body }) });
    ran.push(`${method} ${path} → ${answer.status}`);
    if (step.documented !== undefined) expect({ step: step.command.slice(0, 80), status: answer.status }).toEqual({ step: step.command.slice(0, 80), status: step.documented });
    else expect({ step: step.command.slice(0, 80), status: answer.status, ok: answer.status < 300 }).toMatchObject({ ok: true });
    firstNumber ??= (answer.body as { number?: string } | undefined)?.number;
  }
  // The whole session ran: logged, worked, declared major, escalated, re-prioritised, resolved, confirmed.
  expect(ran.length).toBeGreaterThanOrEqual(11);
  expect(ran.filter((r) => r.startsWith('PATCH'))).toHaveLength(4);
});
