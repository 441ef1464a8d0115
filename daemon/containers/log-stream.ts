/**
 * A container's json-file log as an output stream: entries stdcopy-framed without a tty, raw
 * with one, with backpressure from the client. Serves GET /containers/{id}/logs and the part of
 * an attach that the monitor cannot replay.
 */
import { frame, StdStream } from '../stdcopy';
import { readLogs, type LogOptions, type EndNotifier } from './logs';

/**
 * Writes log entries into `sink`: stdcopy-framed without a tty, raw with. When the sink says
 * its buffer is full (returns false), waits for `drained` so a slow client does not make the
 * daemon hold a whole log in memory.
 */
export type LogStreamOptions = LogOptions & { timestamps: boolean; tty: boolean };

export async function pumpLogs(
  file: string,
  o: LogStreamOptions,
  ended: () => boolean,
  signal: AbortSignal,
  sink: (b: Buffer) => boolean | void,
  onEnd?: EndNotifier,
  drained?: () => Promise<void>,
): Promise<void> {
  for await (const e of readLogs(file, o, ended, signal, onEnd)) {
    const data = o.timestamps ? Buffer.concat([Buffer.from(`${e.time} `), e.data]) : e.data;
    const ok = sink(o.tty ? data : frame(e.stream === 'stderr' ? StdStream.Stderr : StdStream.Stdout, data));
    if (ok === false && drained && !signal.aborted) await drained();
  }
}
