/**
 * Every DynamoDB Local a test run starts (the integration files' one, each local runtime's) lives
 * a few minutes at most: the client (C1) compiler alone serves it with about a quarter less CPU
 * than the JVM's default tiered compilation, whose C2 compiles a short run never earns back
 * (measured on four integration files: 67 against 50 CPU-seconds). Set through the JVM's own
 * variable, inherited by every process the run starts, so `npm start` and the bench keep the
 * JVM's defaults. DynamoDB Local's telemetry is turned off the same way, for test runs only.
 * Idempotent: each global setup calls it before it starts anything.
 */
const SHORT_LIVED_JVM = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

export function preferShortLivedJvm(): void {
  const current = process.env['JDK_JAVA_OPTIONS'] ?? '';
  if (!current.includes(SHORT_LIVED_JVM)) process.env['JDK_JAVA_OPTIONS'] = [current, SHORT_LIVED_JVM].filter(Boolean).join(' ');
  // DynamoDB Local's usage telemetry (its own variable): loading the AWS SDK classes that send it
  // costs about a CPU-second per start, and a test run starts several engines, all offline.
  process.env['DDB_LOCAL_TELEMETRY'] ??= '0';
}
