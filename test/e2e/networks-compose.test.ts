/**
 * A docker-compose 1.29 project (Debian's, driving the API through docker-py) on berthd: two
 * services on the project's default network, one publishing a port on 127.0.0.1. `up` makes
 * the network and the containers, the client reaches the web service by its service name,
 * the test reaches the published port, and `down` leaves no container, network, namespace
 * or veth behind.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { freePort, httpGet, useComposeProject, waitFor } from '../support';

describe('e2e: docker-compose 1.29 project on berthd', function () {
  this.timeout(180_000);
  const project = useComposeProject('berthproj', { needsNetworks: true });
  const compose = (args: string[]) => project.compose(args);

  it('up: the default network, service-name DNS and a published port; down removes everything', async function () {
    const port = await freePort();
    await project.writeFile([
      'version: "3.7"',
      'services:',
      '  web:',
      `    image: ${project.image}`,
      '    command: ["sh", "-c", "mkdir -p /www && echo from-compose > /www/index.html && exec httpd -f -p 80 -h /www"]',
      '    ports:',
      `      - "127.0.0.1:${port}:80"`,
      '  client:',
      `    image: ${project.image}`,
      '    command: ["sleep", "300"]',
      '',
    ]);
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, `docker-compose up: ${up.stderr}`);
    await waitFor('the published port', async () => (await httpGet(`http://127.0.0.1:${port}/`).catch(() => ({ body: '' }))).body === 'from-compose\n');

    const ps = await compose(['ps']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp`));
    const byName = await compose(['exec', '-T', 'client', 'wget', '-q', '-O-', 'http://web/']);
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(byName.stdout, 'from-compose\n');
    const net = JSON.parse((await project.daemon.docker(['network', 'inspect', 'berthproj_default'])).stdout)[0];
    assert.equal(Object.keys(net.Containers).length, 2);
    assert.equal(net.Labels['com.docker.compose.network'], 'default');

    const down = await compose(['down']);
    assert.equal(down.code, 0, `docker-compose down: ${down.stderr}`);
    assert.equal((await project.daemon.docker(['ps', '-aq'])).stdout.trim(), '');
    assert.match((await project.daemon.docker(['network', 'inspect', 'berthproj_default'])).stderr, /network berthproj_default not found/);
    assert.deepEqual(await fs.readdir(path.join(project.daemon.execRoot, 'netns')).catch(() => []), []);
  });
});
