/**
 * Transcript 2: Nomad runs "a job with a port, a memory limit and logs" in the default
 * network mode (no group network: NetworkMode "default", Nomad publishes the port itself).
 * The test's own checks (local steps) stand where Nomad's users would look: the port answers,
 * the limits are in the kernel, the log rotated as configured.
 */
import * as assert from 'node:assert/strict';
import { httpGet, waitFor } from '../../../support';
import type { Step, Vars } from '../replay';
import { fingerprintSteps, hostAddresses } from './fingerprint';
import { MiB, type TaskSpec } from './job';
import { checkCaps, checkEnv, checkLimits, checkRotation } from './host-checks';
import { allocExecSteps, danglingScanStep, destroyTaskSteps, execSteps, recoverTaskSteps, recoveredExitSteps, imageGcSteps, pullSteps, startTaskSteps, statsSteps, stopTaskSteps } from './task-steps';

/** 1000-character lines, 5000 of them: 5 MB through json-file max-size=2m max-file=2. */
const BURST = 'l=0123456789; l=$l$l$l$l$l$l$l$l$l$l; l=$l$l$l$l$l$l$l$l$l$l; yes "$l" | head -n 5000';

const BURST_LINE = '0123456789'.repeat(100);

export const WEB: TaskSpec = {
  name: 'web',
  memoryMB: 64,
  cpuMHz: 100,
  pidsLimit: 64,
  port: { label: 'http', to: 8080 },
  script: [
    BURST,
    'echo "web: started on port $NOMAD_PORT_http"',
    'echo "web: ready" >&2',
    'httpd -p 8080 -h /local',
    // sh as PID 1 only gets TERM with a handler; `sleep & wait` lets the trap run at once.
    'trap \'echo "web: SIGTERM"; exit 0\' TERM',
    'while :; do sleep 1 & wait $!; done',
  ].join('\n'),
};

export const INDEX_HTML = 'hello from a nomad task\n';

/** The whole transcript; the test sets {{image}}, {{imageRepo}}, {{imageTag}}, {{allocId}}, {{allocDir}}, {{hostIp}}, {{hostPort}}, {{cpuset}}. */
export function defaultJobSteps(): Step[] {
  const local = (name: string, why: string, f: (vars: Vars) => void | Promise<void>): Step => ({ name, source: 'test (Nomad\'s user looking)', why, local: f });
  return [
    ...fingerprintSteps(),
    ...pullSteps('image', 'imageRepo', 'imageTag', 'imageId'),
    ...startTaskSteps(WEB, 'web', { networkMode: 'default', firstTask: true }),
    local('the published port answers', 'PortBindings {8080/tcp: [{HostIp, HostPort}]} on the default bridge', async (vars) => {
      const url = `http://${vars.hostIp}:${vars.hostPort}/index.html`;
      let body = '';
      await waitFor(`GET ${url}`, async () => {
        body = (await httpGet(url).catch(() => ({ body: '' }))).body;
        return body === INDEX_HTML;
      }, { timeoutMs: 20_000 });
    }),
    local('driver.docker.bridge_ip is the bridge\'s address', 'berthd creates the default bridge with its first container (dockerd at start-up)', (vars) => {
      assert.ok(hostAddresses().includes(vars.bridgeIp ?? ''), `the bridge gateway ${vars.bridgeIp} is not an address of this host`);
    }),
    local('limits, capabilities and environment reached the kernel', 'Memory = MemorySwap, MemorySwappiness 0, PidsLimit, CpuShares, CpusetCpus, CapDrop, Env', (vars) => {
      const pid = Number(vars.webPid);
      checkLimits(pid, { memory: WEB.memoryMB * MiB, pids: WEB.pidsLimit, cpuShares: WEB.cpuMHz, cpuset: vars.cpuset ?? '' });
      checkCaps(pid);
      checkEnv(pid, { NOMAD_ALLOC_ID: vars.allocId ?? '', NOMAD_TASK_DIR: '/local', NOMAD_PORT_http: '8080' });
    }),
    danglingScanStep('web'),
    ...statsSteps('web', 3, WEB.memoryMB * MiB),
    ...execSteps('web', ['/bin/sh', '-c', 'wget -q -O - http://127.0.0.1:8080/index.html && ! touch /alloc/logs/x 2>/dev/null && touch /alloc/data/ok && echo check-ok'], (out) => {
      assert.equal(out, `${INDEX_HTML}check-ok\n`, 'the script check sees the page, a read-only /alloc/logs and a writable /alloc/data');
    }),
    ...allocExecSteps('web', false, 'echo "$NOMAD_TASK_NAME here"; echo oops >&2; exit 4\n', (out) => {
      assert.deepEqual(JSON.parse(out), { stdout: 'web here\n', stderr: 'oops\n' });
    }, 4),
    ...allocExecSteps('web', true, 'stty size; exit 5\n', (out) => {
      assert.match(out, /40 120/, `the terminal size sent before the start applies: ${JSON.stringify(out)}`);
    }, 5),
    local('a second passes', 'the recovered logger\'s since (whole seconds) must be after every line so far', async () => {
      await new Promise((r) => setTimeout(r, 1100));
    }),
    ...recoverTaskSteps(WEB, 'web'),
    ...stopTaskSteps(WEB, 'web', (stdout, stderr) => {
      assert.equal(stderr, 'web: ready\n');
      const lines = stdout.split('\n').filter(Boolean);
      assert.deepEqual(lines.slice(-2), ['web: started on port 8080', 'web: SIGTERM'], 'the log ends with the task\'s last lines, the one after the stop included');
      const burst = lines.slice(0, -2);
      // A follower that keeps up sees every line; one that starts late only what max-file kept.
      assert.ok(burst.length > 0 && burst.length <= 5000, `${burst.length} burst lines`);
      assert.ok(burst.every((l) => l === BURST_LINE), 'every burst line whole, none torn by a rotation');
    }),
    ...recoveredExitSteps(WEB, 'web', 0, (stdout, stderr) => {
      assert.equal(stdout, 'web: SIGTERM\n', 'only what the task wrote after the recovery');
      assert.equal(stderr, '');
    }),
    local('json-file rotated at max-size, kept max-file', 'LogConfig {Type json-file, Config {max-file 2, max-size 2m}}', (vars) => checkRotation(vars.webLogPath ?? '')),
    ...destroyTaskSteps(WEB, 'web'),
    ...imageGcSteps('imageId', 200),
  ];
}
