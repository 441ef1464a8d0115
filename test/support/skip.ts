/**
 * Skipping with a printed reason (a silent skip hides missing coverage): use in a test or a
 * before() hook as `skipUnless(this, isRoot(), 'needs root')`.
 */
import { haveCommand, isRoot } from './proc';

/** Prints why and skips the current test (or, from a before() hook, the whole suite). */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  process.stdout.write(`      skipped: ${reason}\n`);
  ctx.skip();
  throw new Error('unreachable: mocha skip() throws');
}

export function skipUnless(ctx: Mocha.Context, condition: boolean, reason: string): void {
  if (!condition) skipBecause(ctx, reason);
}

/** Skips unless running as root (integration and e2e tests need the real kernel). */
export function requireRoot(ctx: Mocha.Context): void {
  skipUnless(ctx, isRoot(), 'needs root (run the suite as root)');
}

/** Skips unless every command is on PATH. */
export function requireCommands(ctx: Mocha.Context, ...names: string[]): void {
  const missing = names.filter((n) => !haveCommand(n));
  skipUnless(ctx, missing.length === 0, `missing commands: ${missing.join(', ')} (run scripts/install.sh)`);
}
