/**
 * berthd restarts while a Nomad task runs (an upgrade, a crash). berthd keeps the container
 * running, but the connections Nomad holds open end with it: the handle's wait returns an
 * error (handle.go:301 "failed to wait for container; already terminated"), the handle then
 * inspects the container and stops it with t=0 (handle.go:308-341) — Nomad replaces the task,
 * as it does under dockerd's live-restore (hashicorp/nomad#24105). The docker_logger's copy
 * ends with an unexpected EOF and the logger stops (docker_logger.go:130-133).
 *
 * What this checks of berthd: the held requests end at once (no client hangs until its own
 * timeout), the container is still running after the restart, and the stop works on it.
 */
import * as assert from 'node:assert/strict';
import { at, type Step } from '../replay';
import { fingerprintSteps } from './fingerprint';
import type { TaskSpec } from './job';
import { INSPECT } from './shapes';
import { nomadHeaders, src } from './source';
import { destroyTaskSteps, imageGcSteps, pullSteps, startTaskSteps } from './task-steps';

export const LONG: TaskSpec = {
  name: 'long',
  memoryMB: 32,
  cpuMHz: 100,
  pidsLimit: 16,
  script: ['echo "long: up"', 'trap \'exit 0\' TERM', 'while :; do sleep 1 & wait $!; done'].join('\n'),
};

export function restartJobSteps(restartDaemon: () => Promise<void>): Step[] {
  return [
    ...fingerprintSteps(),
    ...pullSteps('image', 'imageRepo', 'imageTag', 'imageId'),
    ...startTaskSteps(LONG, 'long', { networkMode: 'default', firstTask: true }),
    { name: 'berthd restarts', source: 'test', why: 'the daemon under Nomad goes away and comes back; the task\'s process does not', local: () => restartDaemon() },
    {
      name: 'long: the held wait ends without an answer',
      source: src('drivers/docker/handle.go:296-303 (werr = <-waitResult.Error)', 'client/container_wait.go:66-79'),
      why: 'the wait\'s chunked answer is cut: the client reports an error, the handle goes on as if the task ended',
      join: 'long-wait',
      status: 200,
      fails: /closed|reset|EPIPE/i,
    },
    {
      name: 'long: the log stream is cut too',
      source: src('drivers/docker/docklog/docker_logger.go:125-133', 'api/pkg/stdcopy StdCopy'),
      why: 'an unexpected EOF (not io.EOF): the logger gives up',
      join: 'long-logs',
      status: 200,
      fails: /closed|reset|EPIPE/i,
    },
    {
      name: 'long: inspect after the wait "ended"',
      source: src('drivers/docker/handle.go:308-325', 'client/container_inspect.go:30'),
      why: 'the container survived the daemon\'s restart',
      method: 'GET',
      path: '/v{{v}}/containers/{{longId}}/json',
      headers: nomadHeaders(),
      status: 200,
      shape: INSPECT,
      check: (r, vars) => {
        assert.equal(at(r.json, 'State.Running'), true, 'berthd keeps containers running across its restart');
        assert.equal(at(r.json, 'State.Pid'), Number(vars.longPid), 'the same process');
        assert.equal(at(r.json, 'State.OOMKilled'), false);
      },
    },
    {
      name: 'long: Nomad stops the container it believes exited',
      source: src('drivers/docker/handle.go:333-341', 'client/container_stop.go:39'),
      why: 't=0 on a running container: it is stopped (Nomad then restarts the task per its restart policy)',
      method: 'POST',
      path: '/v{{v}}/containers/{{longId}}/stop?t=0',
      headers: nomadHeaders({ method: 'POST' }),
      status: 204,
    },
    ...destroyTaskSteps(LONG, 'long'),
    ...imageGcSteps('imageId', 200),
  ];
}
