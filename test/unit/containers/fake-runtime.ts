// A fake Runtime for unit tests: "runs" a few scripted commands, writes Docker json-file log
// lines like the real monitor, and records every call. Commands (args[0]):
//   echo ARGS...     prints ARGS and exits 0
//   exit N           exits with N
//   sleep            runs until signalled (TERM → 143, KILL → 137)
//   stubborn         ignores TERM; only KILL ends it
//   cat              echoes stdin to stdout until stdin closes, then exits 0
//   missing          fails to start: exec: "missing": executable file not found in $PATH
import { promises as fs } from 'node:fs';
import { PassThrough } from 'node:stream';
import { BerthError } from '../../../daemon/errors';
import { StartError } from '../../../daemon/runtime/helper-error';
import type {
  AttachConnection, AttachStreams, ContainerSpec, ExecProcess, ExecSpec, ExitStatus, Runtime, StartedProcess,
} from '../../../daemon/runtime/types';

interface Proc {
  spec: ContainerSpec;
  pid: number;
  exit?: ExitStatus;
  exited: Promise<ExitStatus>;
  finish(code: number): void;
  stdin: string[];
  /** Everything printed, stdcopy-framed (the monitor's replay buffer). */
  printed: Buffer[];
  /** Live attach outputs. */
  outputs: PassThrough[];
}

function stdcopy(stream: 'stdout' | 'stderr', text: string): Buffer {
  const data = Buffer.from(text);
  const header = Buffer.from([stream === 'stdout' ? 1 : 2, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

export class FakeRuntime implements Runtime {
  readonly calls: string[] = [];
  readonly procs = new Map<string, Proc>();
  /** Ids the fake claims are still running after a "daemon restart". */
  readonly survivors = new Set<string>();
  private nextPid = 1000;

  private async writeLog(spec: ContainerSpec, stream: 'stdout' | 'stderr', text: string): Promise<void> {
    await fs.appendFile(spec.logPath, JSON.stringify({ log: text, stream, time: new Date().toISOString() }) + '\n');
    const p = this.procs.get(spec.id);
    if (!p) return;
    const framed = stdcopy(stream, text);
    p.printed.push(framed);
    for (const o of p.outputs) o.write(framed);
  }

  async start(spec: ContainerSpec): Promise<StartedProcess> {
    this.calls.push(`start ${spec.id}`);
    const [cmd, ...rest] = spec.args;
    if (cmd === 'missing') {
      // what the real runtime throws for the helper's report (daemon/runtime/helper-error.ts)
      throw new StartError({ step: 'exec', errno: 2, exitCode: 127, message: 'failed to create task for container: exec: "missing": executable file not found in $PATH' });
    }
    let finish!: (code: number) => void;
    const exited = new Promise<ExitStatus>((resolve) => {
      finish = (code) => {
        const p = this.procs.get(spec.id);
        if (!p || p.exit) return;
        p.exit = { exitCode: code, finishedAt: new Date().toISOString() };
        for (const o of p.outputs) o.end();
        resolve(p.exit);
      };
    });
    const proc: Proc = { spec, pid: this.nextPid++, exited, finish, stdin: [], printed: [], outputs: [] };
    this.procs.set(spec.id, proc);
    if (cmd === 'echo') {
      await this.writeLog(spec, 'stdout', rest.join(' ') + '\n');
      setImmediate(() => finish(0));
    } else if (cmd === 'exit') {
      setImmediate(() => finish(Number(rest[0] ?? 0)));
    }
    return { pid: proc.pid, startedAt: new Date().toISOString() };
  }

  async attach(id: string, streams: AttachStreams): Promise<AttachConnection> {
    this.calls.push(`attach ${id} stdin=${!!streams.stdin}`);
    const p = this.procs.get(id);
    if (!p) throw new BerthError('Conflict', `container ${id} is not running`);
    const output = new PassThrough();
    if (streams.replay) for (const b of p.printed) output.write(b);
    if (p.exit) output.end();
    else p.outputs.push(output);
    return {
      output,
      writeStdin: (data) => {
        p.stdin.push(data.toString());
        if (p.spec.args[0] === 'cat') void this.writeLog(p.spec, 'stdout', data.toString());
      },
      closeStdin: () => {
        this.calls.push(`closeStdin ${id}`);
        if (p.spec.args[0] === 'cat') setTimeout(() => p.finish(0), 20);
      },
      close: () => undefined,
    };
  }

  async resize(id: string, rows: number, cols: number): Promise<void> {
    this.calls.push(`resize ${id} ${rows}x${cols}`);
  }

  async signal(id: string, signal: string | number): Promise<void> {
    this.calls.push(`signal ${id} ${signal}`);
    const p = this.procs.get(id);
    if (!p || p.exit) return;
    const n = Number(signal);
    if (n === 9) p.finish(137);
    else if (n === 15 && p.spec.args[0] !== 'stubborn') p.finish(143);
  }

  waitExit(id: string): Promise<ExitStatus> {
    const p = this.procs.get(id);
    if (!p) return new Promise(() => undefined); // a survivor the test never ends
    return p.exited;
  }

  async readExit(id: string): Promise<ExitStatus | undefined> {
    return this.procs.get(id)?.exit ?? (this.survivors.has(id) ? undefined : { exitCode: 42, finishedAt: new Date().toISOString() });
  }

  async isRunning(id: string): Promise<boolean> {
    const p = this.procs.get(id);
    return p ? !p.exit : this.survivors.has(id);
  }

  async cleanup(id: string): Promise<void> {
    this.calls.push(`cleanup ${id}`);
  }

  async pause(id: string): Promise<void> {
    this.calls.push(`pause ${id}`);
  }

  async unpause(id: string): Promise<void> {
    this.calls.push(`unpause ${id}`);
  }

  async pids(id: string): Promise<number[]> {
    return this.procs.has(id) ? [process.pid] : [];
  }

  async exec(id: string, spec: ExecSpec): Promise<ExecProcess> {
    this.calls.push(`exec ${id} ${spec.args.join(' ')}`);
    if (spec.args[0] === 'missing') throw new BerthError('InvalidParameter', 'exec: "missing": executable file not found in $PATH');
    const stream = new PassThrough();
    setImmediate(() => stream.end(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('hi\n')])));
    return { pid: 4242, stream, resize: () => undefined, closeStdin: () => undefined, exited: Promise.resolve(0) };
  }
}
