/**
 * A docker-compose 1.29 project (Debian's) whose app service `depends_on` its db with
 * `condition: service_healthy`: `up` waits for the db's health check to pass before it starts
 * the app (the app's start is after the db's first successful probe), and a dependency that
 * turns unhealthy makes `up` fail with compose's "is unhealthy" message, the dependent service
 * never started.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, makeTempDir, removeTree, run, skipBecause, type TestDaemon, useDockerDaemon } from '../support';

describe('e2e: docker-compose 1.29 depends_on: condition: service_healthy', function () {
  this.timeout(180_000);
  let d: TestDaemon;
  let image: string;
  let dir: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  before(async function () {
    if (!haveCommand('docker-compose')) skipBecause(this, 'docker-compose is not installed (scripts/install.sh installs it)');
    dir = await makeTempDir('health-compose');
  });

  after(async function () {
    if (dir) {
      await run('docker-compose', ['-p', 'hcproj', 'down', '--remove-orphans', '-t', '1'], { cwd: dir, env: d?.env(), timeoutMs: 60_000 }).catch(() => undefined);
      await removeTree(dir);
    }
  });

  const compose = (args: string[]) => run('docker-compose', ['-p', 'hcproj', ...args], { cwd: dir, env: d.env({ COMPOSE_INTERACTIVE_NO_CLI: '1' }), timeoutMs: 120_000 });

  const file = (dbCommand: string, retries: number) => [
    'version: "2.4"',
    'services:',
    '  db:',
    `    image: ${image}`,
    `    command: ["sh", "-c", "${dbCommand}"]`,
    '    network_mode: none',
    '    healthcheck:',
    '      test: ["CMD-SHELL", "test -e /tmp/ready"]',
    '      interval: 300ms',
    '      timeout: 2s',
    `      retries: ${retries}`,
    '  app:',
    `    image: ${image}`,
    '    command: ["sleep", "300"]',
    '    network_mode: none',
    '    depends_on:',
    '      db:',
    '        condition: service_healthy',
    '',
  ].join('\n');

  it('up starts the app only once the db is healthy', async function () {
    await fs.writeFile(path.join(dir, 'docker-compose.yml'), file('sleep 2; touch /tmp/ready; exec sleep 300', 30));
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, `docker-compose up: ${up.stderr}`);
    const db = JSON.parse((await d.docker(['inspect', 'hcproj_db_1'])).stdout)[0];
    const app = JSON.parse((await d.docker(['inspect', 'hcproj_app_1'])).stdout)[0];
    assert.equal(db.State.Health.Status, 'healthy');
    assert.equal(app.State.Status, 'running');
    const firstOk = (db.State.Health.Log as { ExitCode: number; End: string }[]).find((e) => e.ExitCode === 0);
    assert.ok(firstOk, JSON.stringify(db.State.Health));
    assert.ok(Date.parse(app.State.StartedAt) >= Date.parse(firstOk.End) - 5, `app started ${app.State.StartedAt}, db healthy at ${firstOk.End}`);
    const ps = await d.docker(['ps', '--filter', 'name=hcproj_db_1', '--format', '{{.Status}}']);
    assert.match(ps.stdout, /\(healthy\)/);
    const down = await compose(['down', '-t', '1']);
    assert.equal(down.code, 0, down.stderr);
  });

  it('up fails when the dependency turns unhealthy, and the app is never started', async function () {
    await fs.writeFile(path.join(dir, 'docker-compose.yml'), file('exec sleep 300', 2));
    const up = await compose(['up', '-d']);
    assert.notEqual(up.code, 0);
    assert.match(up.stderr, /is unhealthy/);
    const app = await d.docker(['inspect', '-f', '{{.State.Status}}', 'hcproj_app_1']);
    assert.ok(app.code !== 0 || app.stdout.trim() === 'created', `app: ${app.stdout} ${app.stderr}`);
    const down = await compose(['down', '-t', '1']);
    assert.equal(down.code, 0, down.stderr);
  });
});
