/**
 * A docker-compose 1.29 project (Debian's) whose app service `depends_on` its db with
 * `condition: service_healthy`: `up` waits for the db's health check to pass before it starts
 * the app (the app's start is after the db's first successful probe), and a dependency that
 * turns unhealthy makes `up` fail with compose's "is unhealthy" message, the dependent service
 * never started.
 */
import * as assert from 'node:assert/strict';
import { useComposeProject } from '../support';

describe('e2e: docker-compose 1.29 depends_on: condition: service_healthy', function () {
  this.timeout(180_000);
  const project = useComposeProject('hcproj', { downArgs: ['--remove-orphans', '-t', '1'] });
  const compose = (args: string[]) => project.compose(args);

  const file = (dbCommand: string, retries: number) => [
    'version: "2.4"',
    'services:',
    '  db:',
    `    image: ${project.image}`,
    `    command: ["sh", "-c", "${dbCommand}"]`,
    '    network_mode: none',
    '    healthcheck:',
    '      test: ["CMD-SHELL", "test -e /tmp/ready"]',
    '      interval: 300ms',
    '      timeout: 2s',
    `      retries: ${retries}`,
    '  app:',
    `    image: ${project.image}`,
    '    command: ["sleep", "300"]',
    '    network_mode: none',
    '    depends_on:',
    '      db:',
    '        condition: service_healthy',
    '',
  ];

  it('up starts the app only once the db is healthy', async function () {
    await project.writeFile(file('sleep 2; touch /tmp/ready; exec sleep 300', 30));
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, `docker-compose up: ${up.stderr}`);
    const db = JSON.parse((await project.daemon.docker(['inspect', 'hcproj_db_1'])).stdout)[0];
    const app = JSON.parse((await project.daemon.docker(['inspect', 'hcproj_app_1'])).stdout)[0];
    assert.equal(db.State.Health.Status, 'healthy');
    assert.equal(app.State.Status, 'running');
    const firstOk = (db.State.Health.Log as { ExitCode: number; End: string }[]).find((e) => e.ExitCode === 0);
    assert.ok(firstOk, JSON.stringify(db.State.Health));
    assert.ok(Date.parse(app.State.StartedAt) >= Date.parse(firstOk.End) - 5, `app started ${app.State.StartedAt}, db healthy at ${firstOk.End}`);
    const ps = await project.daemon.docker(['ps', '--filter', 'name=hcproj_db_1', '--format', '{{.Status}}']);
    assert.match(ps.stdout, /\(healthy\)/);
    const down = await compose(['down', '-t', '1']);
    assert.equal(down.code, 0, down.stderr);
  });

  it('up fails when the dependency turns unhealthy, and the app is never started', async function () {
    await project.writeFile(file('exec sleep 300', 2));
    const up = await compose(['up', '-d']);
    assert.notEqual(up.code, 0);
    assert.match(up.stderr, /is unhealthy/);
    const app = await project.daemon.docker(['inspect', '-f', '{{.State.Status}}', 'hcproj_app_1']);
    assert.ok(app.code !== 0 || app.stdout.trim() === 'created', `app: ${app.stdout} ${app.stderr}`);
    const down = await compose(['down', '-t', '1']);
    assert.equal(down.code, 0, down.stderr);
  });
});
