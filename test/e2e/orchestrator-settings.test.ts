/**
 * HostConfig settings orchestrators send on every container (cri-dockerd, Nomad; issue 14),
 * through the docker CLI: --oom-score-adj reaches the process (a negative value only when berthd
 * holds CAP_SYS_RESOURCE, else raised to its own with a warning), --runtime takes only the
 * runtime /info lists, and -p with --network none is kept unpublished with a warning (dockerd
 * accepts it; cri-dockerd's sandbox sends the pod's host ports that way).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useDockerDaemon, type TestDaemon } from '../support';

describe('e2e: orchestrator HostConfig settings (docker CLI)', function () {
  let d: TestDaemon;
  let image = '';
  useDockerDaemon((f) => [f.busybox], (daemon, f) => {
    d = daemon;
    image = f.busybox.ref;
  });

  it('--oom-score-adj is the process\'s oom_score_adj; out of range is Docker\'s 400', async function () {
    const r = await d.docker(['run', '--rm', '--oom-score-adj', '500', image, 'cat', '/proc/self/oom_score_adj']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '500');
    const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'}`);
    const neg = await d.docker(['run', '--rm', '--oom-score-adj', '-500', image, 'cat', '/proc/self/oom_score_adj']);
    assert.equal(neg.code, 0, neg.stderr);
    if (((capEff >> 24n) & 1n) === 1n) assert.equal(neg.stdout.trim(), '-500');
    else {
      assert.equal(neg.stdout.trim(), readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
      assert.match(neg.stderr, /lacks CAP_SYS_RESOURCE, so OomScoreAdj -500 is raised/);
    }
    const bad = await d.docker(['create', '--oom-score-adj', '1001', image]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Invalid value 1001, range for oom score adj is \[-1000, 1000\]/);
  });

  it('--runtime: /info lists berth as the default and only runtime; another name is refused', async function () {
    const info = await d.docker(['info', '--format', '{{.DefaultRuntime}} {{json .Runtimes}}']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^berth \{"berth":\{"path":"berth-helper"/);
    const r = await d.docker(['create', '--runtime', 'runc', image]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown or invalid runtime name: runc/);
    const ok = await d.docker(['create', '--runtime', 'berth', image]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await d.docker(['inspect', '-f', '{{.HostConfig.Runtime}}', ok.stdout.trim()])).stdout.trim(), 'berth');
    await d.docker(['rm', ok.stdout.trim()]);
  });

  it('-p with --network none is kept in HostConfig, unpublished, with a warning', async function () {
    const r = await d.docker(['create', '--network', 'none', '-p', '18080:80', image]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Published ports are discarded when using --network none/);
    const id = r.stdout.trim();
    assert.equal((await d.docker(['inspect', '-f', '{{json .HostConfig.PortBindings}}', id])).stdout.trim(), '{"80/tcp":[{"HostIp":"","HostPort":"18080"}]}');
    await d.docker(['rm', id]);
  });
});
