// Exec resize before the process exists: moby's ContainerExecResize waits (up to 10 s) for the
// exec to run, since a client resizes as soon as it holds its 101 (cri-dockerd's
// handleResizing, the docker CLI) while berthd may still be making the process.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import type { ContainerService } from '../../../daemon/containers/service';
import { ExecService } from '../../../daemon/exec/service';
import type { ExecProcess } from '../../../daemon/runtime/types';

function service(execDelayMs: number, resizes: [number, number][]): ExecService {
  const rec = { Id: 'c'.repeat(64), State: { Running: true, Paused: false, Restarting: false }, Config: {}, HostConfig: {} };
  const containers = {
    get: () => rec,
    find: () => rec,
    runtime: {
      exec: async (): Promise<ExecProcess> => {
        await new Promise((r) => setTimeout(r, execDelayMs));
        return { pid: 7, stream: new PassThrough(), resize: (h: number, w: number) => void resizes.push([h, w]), closeStdin: () => undefined, exited: new Promise<number>(() => undefined) };
      },
    },
  };
  return new ExecService(containers as unknown as ContainerService);
}

describe('exec: resize before the process runs', () => {
  it('waits for the starting exec, then resizes it', async () => {
    const resizes: [number, number][] = [];
    const execs = service(50, resizes);
    const { Id } = execs.create('c', { Cmd: ['sh'], Tty: true, AttachStdin: true });
    const started = execs.start(Id);
    await execs.resize(Id, 40, 100);
    await started;
    assert.deepEqual(resizes, [[40, 100]]);
  });

  it('gives up with a 409 when the exec does not start in time', async () => {
    const execs = service(0, []);
    const { Id } = execs.create('c', { Cmd: ['sh'] });
    await assert.rejects(execs.resize(Id, 1, 1, 20), (e: Error & { kind?: string }) => e.kind === 'Conflict' && /timeout waiting for exec session ready/.test(e.message));
  });
});
