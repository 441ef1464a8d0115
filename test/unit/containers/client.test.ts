// The CLI side of containers: flags → Docker's create body, ps rows as docker/cli formats
// them, exit codes of failed starts, --since parsing.
import { strict as assert } from 'node:assert';
import { createBody, parseContainerFlags, parseDevice } from '../../../client/commands/create';
import { ellipsis, psRow } from '../../../client/commands/ps';
import { startFailureCode } from '../../../client/commands/run';
import { timestampParam } from '../../../client/commands/logs';

describe('containers: CLI', () => {
  it('reads --device as the docker CLI does, and passes --device-cgroup-rule on', async () => {
    assert.deepEqual(parseDevice('/dev/loop3'), { PathOnHost: '/dev/loop3', PathInContainer: '/dev/loop3', CgroupPermissions: 'rwm' });
    assert.deepEqual(parseDevice('/dev/loop3:r'), { PathOnHost: '/dev/loop3', PathInContainer: '/dev/loop3', CgroupPermissions: 'r' });
    assert.deepEqual(parseDevice('/dev/loop3:/dev/xvdb'), { PathOnHost: '/dev/loop3', PathInContainer: '/dev/xvdb', CgroupPermissions: 'rwm' });
    assert.deepEqual(parseDevice('/dev/loop3:/dev/xvdb:rw'), { PathOnHost: '/dev/loop3', PathInContainer: '/dev/xvdb', CgroupPermissions: 'rw' });
    assert.throws(() => parseDevice('a:b:c:d'), /invalid device specification/);
    const p = parseContainerFlags(['--device', '/dev/loop3:/dev/x:r', '--device-cgroup-rule', 'b 7:* rw', 'busybox'], {});
    const hc = (await createBody(p, p.args)).HostConfig as Record<string, unknown>;
    assert.deepEqual(hc.Devices, [{ PathOnHost: '/dev/loop3', PathInContainer: '/dev/x', CgroupPermissions: 'r' }]);
    assert.deepEqual(hc.DeviceCgroupRules, ['b 7:* rw']);
  });

  it('reads run flags up to the image; -h is --hostname; the command keeps its own flags', async () => {
    const p = parseContainerFlags(['--rm', '-it', '-h', 'box', '-e', 'A=1', '-v', '/a:/b:ro', '--tmpfs', '/run:size=1m', '-p', '127.0.0.1:80:8080', 'busybox', 'ls', '-l'], { detach: { type: 'bool', short: 'd' } });
    assert.deepEqual(p.args, ['busybox', 'ls', '-l']);
    const body = await createBody(p, p.args);
    assert.equal(body.Image, 'busybox');
    assert.deepEqual(body.Cmd, ['ls', '-l']);
    assert.equal(body.Hostname, 'box');
    assert.equal(body.Tty, true);
    assert.equal(body.OpenStdin, true);
    assert.equal(body.StdinOnce, true);
    assert.deepEqual(body.Env, ['A=1']);
    const hc = body.HostConfig as Record<string, unknown>;
    assert.equal(hc.AutoRemove, true);
    assert.deepEqual(hc.Binds, ['/a:/b:ro']);
    assert.deepEqual(hc.Tmpfs, { '/run': 'size=1m' });
    assert.deepEqual(hc.PortBindings, { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '80' }] });
    assert.ok(parseContainerFlags(['--help'], {}).help);
  });

  it('formats ps rows as docker/cli does', () => {
    const row = psRow({
      Id: 'a'.repeat(64), Names: ['/web'], Image: 'busybox', ImageID: 'sha256:x', Command: "sh -c 'while true; do echo tick; sleep 1; done'",
      Created: 1000, Ports: [], Labels: { a: 'b' }, State: 'running', Status: 'Up 2 seconds', SizeRw: 0, SizeRootFs: 1982000,
    }, true, 1000 * 1000 + 3000);
    assert.equal(row.ID, 'a'.repeat(12));
    assert.equal(row.Command, '"sh -c \'while true; …"');
    assert.equal(row.RunningFor, '3 seconds ago');
    assert.equal(row.Names, 'web');
    assert.equal(row.Labels, 'a=b');
    assert.equal(row.Size, '0B (virtual 1.98MB)');
    assert.equal(ellipsis('short', 20), 'short');
  });

  it('truncates mount names in ps to 15 columns as docker/cli does, not with --no-trunc', () => {
    const c = {
      Id: 'a'.repeat(64), Names: ['/web'], Image: 'busybox', ImageID: 'sha256:x', Command: 'sh', Created: 1000, Ports: [], Labels: {},
      State: 'running', Status: 'Up 2 seconds', Mounts: [{ Source: '/tmp/qa-c/hostdir' }, { Source: '/short' }],
    };
    assert.equal(psRow(c, true).Mounts, '/tmp/qa-c/host…,/short');
    assert.equal(psRow(c, false).Mounts, '/tmp/qa-c/hostdir,/short');
  });

  it('maps start failures to Docker\'s exit codes and parses --since', () => {
    assert.equal(startFailureCode('exec: "foo": executable file not found in $PATH'), 127);
    assert.equal(startFailureCode('exec: "/etc/passwd": permission denied'), 126);
    assert.equal(startFailureCode('No such container: x'), 125);
    assert.equal(timestampParam('1700000000'), '1700000000');
    assert.equal(timestampParam('10m', 1_000_000_000), (1_000_000 - 600).toFixed(9));
    assert.equal(timestampParam('2026-01-01T00:00:00Z'), (Date.parse('2026-01-01T00:00:00Z') / 1000).toFixed(9));
  });
});
