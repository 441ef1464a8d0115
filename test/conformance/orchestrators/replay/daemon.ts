/**
 * Replaying against a test daemon: the built berthd on a temp socket and roots (test/support's
 * startDaemon / useDockerDaemon set it up), with a one-line-per-step log when
 * REPLAY_LOG=1 is set (step, status, time, source) so a transcript can be read next to the
 * orchestrator's code.
 */
import type { TestDaemon } from '../../../support';
import { replay, type ReplayOptions, type Step, type StepRecord, type Vars } from './transcript';

function logLine(rec: StepRecord, i: number): void {
  // A held request has no reply yet: its status shows at the join step.
  const status = rec.reply ? String(rec.reply.statusCode) : 'hold' in rec.step && rec.step.hold ? 'held' : 'join' in rec.step ? 'cut' : 'local';
  process.stdout.write(`        ${String(i + 1).padStart(2)} ${status.padEnd(5)} ${String(rec.ms).padStart(5)} ms  ${rec.step.name}  [${rec.step.source}]\n`);
}

/** Replays `steps` on the daemon's socket; see transcript.ts replay(). */
export function replayOn(d: TestDaemon, steps: readonly Step[], opts: ReplayOptions = {}): Promise<{ vars: Vars; records: StepRecord[] }> {
  const onStep = process.env.REPLAY_LOG === '1' ? logLine : undefined;
  return replay(d.socket, steps, { ...opts, onStep: opts.onStep ?? onStep });
}
