/**
 * Two more ways a Nomad docker task ends, each a path of handle.go the main job does not take:
 *
 *  - "hog" outgrows its memory limit: with Memory = MemorySwap there is no swap to spill into,
 *    the kernel's OOM killer ends it, and Nomad reports "OOM Killed" because inspect says
 *    State.OOMKilled (handle.go:308-325);
 *  - "quiet" logs to `logging { type = "none" }` and has `kill_signal = "SIGINT"`: the
 *    docker_logger must recognise the daemon's refusal to read logs as terminal
 *    (docker_logger.go:251-268), and StopTask sends the signal with ContainerKill
 *    (handle.go:176-207) instead of ContainerStop.
 */
import * as assert from 'node:assert/strict';
import type { Step } from '../replay';
import { fingerprintSteps } from './fingerprint';
import type { TaskSpec } from './job';
import { destroyTaskSteps, exitSteps, imageGcSteps, pullSteps, signalStopSteps, startTaskSteps } from './task-steps';

export const HOG: TaskSpec = {
  name: 'hog',
  memoryMB: 32,
  cpuMHz: 100,
  pidsLimit: 16,
  // The shell (PID 1) itself holds a 256 MB command substitution: it is the OOM killer's pick.
  script: 'echo "hog: start"; x="$(head -c 256m /dev/zero | tr \'\\0\' a)"; echo "hog: survived ${#x}" >&2; exit 3',
};

export const QUIET: TaskSpec = {
  name: 'quiet',
  memoryMB: 16,
  cpuMHz: 50,
  pidsLimit: 8,
  logging: { Type: 'none', Config: null },
  script: ['trap \'exit 0\' INT', 'echo "quiet: nobody reads this"', 'while :; do sleep 1 & wait $!; done'].join('\n'),
};

/** The test sets {{image}}, {{imageRepo}}, {{imageTag}}, {{allocId}}, {{allocDir}}, {{cpuset}}. */
export function exitsJobSteps(): Step[] {
  return [
    ...fingerprintSteps(),
    ...pullSteps('image', 'imageRepo', 'imageTag', 'imageId'),
    ...startTaskSteps(HOG, 'hog', { networkMode: 'default', firstTask: true }),
    ...startTaskSteps(QUIET, 'quiet', { networkMode: 'default', firstTask: false }),
    // hog ends by itself: SIGKILLed by the OOM killer, 128 + 9.
    ...exitSteps(HOG, 'hog', {
      exitCode: 137,
      oomKilled: true,
      checkLogs: (stdout, stderr) => {
        assert.equal(stdout, 'hog: start\n');
        assert.equal(stderr, '', 'nothing after the OOM kill');
      },
    }),
    ...signalStopSteps(QUIET, 'quiet', 'SIGINT'),
    ...exitSteps(QUIET, 'quiet', { exitCode: 0, oomKilled: false }),
    ...destroyTaskSteps(HOG, 'hog'),
    ...destroyTaskSteps(QUIET, 'quiet'),
    ...imageGcSteps('imageId', 200),
  ];
}
