/**
 * A docker-compose 1.29 project (Debian's, through docker-py) with a named volume on berthd:
 * `up` makes the project's volume (compose's labels on it), the service writes into it,
 * `down` keeps it and a second `up` finds the data again; `down -v` removes it.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, makeTempDir, removeTree, run, skipBecause, type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: docker-compose project with a named volume', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  let image: string;
  let dir: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  before(async function () {
    if (!haveCommand('docker-compose')) skipBecause(this, 'docker-compose is not installed (scripts/install.sh installs it)');
    if (!haveCommand('/usr/lib/podman/netavark')) skipBecause(this, 'netavark is not installed (scripts/install.sh installs it)');
    dir = await makeTempDir('compose-vol');
  });

  after(async function () {
    if (dir) {
      await run('docker-compose', ['-p', 'berthvol', 'down', '-v', '--remove-orphans'], { cwd: dir, env: d?.env(), timeoutMs: 60_000 }).catch(() => undefined);
      await removeTree(dir);
    }
  });

  const compose = (args: string[]) => run('docker-compose', ['-p', 'berthvol', ...args], { cwd: dir, env: d.env({ COMPOSE_INTERACTIVE_NO_CLI: '1' }), timeoutMs: 120_000 });

  it('up makes the volume, data survives down/up, down -v removes it', async function () {
    await fs.writeFile(path.join(dir, 'docker-compose.yml'), [
      'version: "3.7"',
      'services:',
      '  db:',
      `    image: ${image}`,
      '    command: ["sh", "-c", "date +%s%N >> /var/lib/db/boots; cat /var/lib/db/boots | wc -l > /var/lib/db/count; sleep 300"]',
      '    volumes:',
      '      - dbdata:/var/lib/db',
      'volumes:',
      '  dbdata: {}',
      '',
    ].join('\n'));
    let r = await compose(['up', '-d']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse((await d.docker(['volume', 'inspect', 'berthvol_dbdata'])).stdout)[0];
    assert.equal(v.Labels['com.docker.compose.project'], 'berthvol');
    assert.equal(v.Labels['com.docker.compose.volume'], 'dbdata');
    r = await compose(['down']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await d.docker(['volume', 'ls', '-q', '--filter', 'name=berthvol_dbdata'])).stdout.trim(), 'berthvol_dbdata');
    r = await compose(['up', '-d']);
    assert.equal(r.code, 0, r.stderr);
    const ctr = (await d.docker(['ps', '-q', '--filter', 'label=com.docker.compose.project=berthvol'])).stdout.trim();
    let count = '';
    for (let i = 0; i < 50 && count !== '2'; i++) {
      count = (await d.docker(['exec', ctr, 'cat', '/var/lib/db/count'])).stdout.trim();
      if (count !== '2') await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(count, '2', 'the second up found the first run\'s data');
    r = await compose(['down', '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await d.docker(['volume', 'ls', '-q', '--filter', 'name=berthvol_dbdata'])).stdout.trim(), '');
  });
});
