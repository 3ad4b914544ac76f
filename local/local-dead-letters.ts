import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** An event whose target failed every attempt: what EventBridge/Lambda would put in the dead-letter queue. */
export interface LocalDeadLetter {
  readonly rule: string;
  readonly functionId: string;
  readonly event: unknown;
  readonly error: string;
  readonly attempts: number;
  readonly at: string;
}

/**
 * The local dead-letter store, kept in a JSON Lines file under `.local/` so the dead letters of
 * one run are still listed after a restart (a real queue keeps its messages for days). Without a
 * file (in-memory runs: tests, benchmarks) it lives and dies with the process.
 */
export class LocalDeadLetters {
  private items: LocalDeadLetter[];

  constructor(private readonly file?: string) {
    this.items = [];
    if (file && existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      this.items = readLines(text);
      // Ends a torn last line, so the next letter starts on a line of its own.
      if (text.length > 0 && !text.endsWith('\n')) appendFileSync(file, '\n');
    }
  }

  add(letter: LocalDeadLetter): void {
    this.items.push(letter);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(letter)}\n`);
  }

  list(): readonly LocalDeadLetter[] {
    return this.items;
  }
}

/** Whole lines only: a line cut short by a crash mid-append is skipped, not fatal. */
function readLines(text: string): LocalDeadLetter[] {
  const letters: LocalDeadLetter[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      letters.push(JSON.parse(line) as LocalDeadLetter);
    } catch {
      // a torn last line
    }
  }
  return letters;
}
