/**
 * A docker-compose 1.29 project (Debian's, through docker-py) with a named volume on berthd:
 * `up` makes the project's volume (compose's labels on it), the service writes into it,
 * `down` keeps it and a second `up` finds the data again; `down -v` removes it.
 */
import * as assert from 'node:assert/strict';
import { useComposeProject } from '../support';

describe('e2e: docker-compose project with a named volume', function () {
  this.timeout(180_000);
  const project = useComposeProject('berthvol', { downArgs: ['-v', '--remove-orphans'], needsNetworks: true });
  const compose = (args: string[]) => project.compose(args);

  it('up makes the volume, data survives down/up, down -v removes it', async function () {
    await project.writeFile([
      'version: "3.7"',
      'services:',
      '  db:',
      `    image: ${project.image}`,
      '    command: ["sh", "-c", "date +%s%N >> /var/lib/db/boots; cat /var/lib/db/boots | wc -l > /var/lib/db/count; sleep 300"]',
      '    volumes:',
      '      - dbdata:/var/lib/db',
      'volumes:',
      '  dbdata: {}',
      '',
    ]);
    let r = await compose(['up', '-d']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse((await project.daemon.docker(['volume', 'inspect', 'berthvol_dbdata'])).stdout)[0];
    assert.equal(v.Labels['com.docker.compose.project'], 'berthvol');
    assert.equal(v.Labels['com.docker.compose.volume'], 'dbdata');
    r = await compose(['down']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await project.daemon.docker(['volume', 'ls', '-q', '--filter', 'name=berthvol_dbdata'])).stdout.trim(), 'berthvol_dbdata');
    r = await compose(['up', '-d']);
    assert.equal(r.code, 0, r.stderr);
    const ctr = (await project.daemon.docker(['ps', '-q', '--filter', 'label=com.docker.compose.project=berthvol'])).stdout.trim();
    let count = '';
    for (let i = 0; i < 50 && count !== '2'; i++) {
      count = (await project.daemon.docker(['exec', ctr, 'cat', '/var/lib/db/count'])).stdout.trim();
      if (count !== '2') await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(count, '2', 'the second up found the first run\'s data');
    r = await compose(['down', '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await project.daemon.docker(['volume', 'ls', '-q', '--filter', 'name=berthvol_dbdata'])).stdout.trim(), '');
  });
});
