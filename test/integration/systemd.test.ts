/**
 * systemd/berthd.service and berthd.socket: systemd's own checker accepts them without a
 * warning, and they keep the settings berth relies on (socket activation, containers'
 * monitors surviving a daemon restart, delegated cgroups).
 */
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { haveCommand, makeTempDir, removeTree, repoRoot, run } from '../support/proc';
import { skipBecause } from '../support/skip';

const UNITS = path.join(repoRoot(), 'systemd');

/** `Key=value` lines of one section of a unit file. */
function section(file: string, name: string): Map<string, string> {
  const out = new Map<string, string>();
  let inside = false;
  for (const raw of readFileSync(path.join(UNITS, file), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inside = line === `[${name}]`;
    else if (inside && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      out.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return out;
}

describe('integration: systemd units', function () {
  it('systemd-analyze verify accepts berthd.service and berthd.socket with no warning', async function () {
    if (!haveCommand('systemd-analyze')) skipBecause(this, 'systemd-analyze is not installed (Debian package systemd)');
    // verify wants ExecStart to exist and runs `man` for man: links: point ExecStart at this
    // checkout's bin/berthd in a temp copy and drop the man page link (the package installs
    // it; test/e2e/package-deb.test.ts verifies the installed units as they are).
    const dir = await makeTempDir('systemd');
    try {
      const service = readFileSync(path.join(UNITS, 'berthd.service'), 'utf8').replace(/^ExecStart=\S+/m, `ExecStart=${path.join(repoRoot(), 'bin', 'berthd')}`);
      const noMan = (text: string) => text.replace(/man:\S+ ?/g, '');
      await fs.writeFile(path.join(dir, 'berthd.service'), noMan(service));
      await fs.writeFile(path.join(dir, 'berthd.socket'), noMan(readFileSync(path.join(UNITS, 'berthd.socket'), 'utf8')));
      const r = await run('systemd-analyze', ['verify', path.join(dir, 'berthd.service'), path.join(dir, 'berthd.socket')]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.trim(), '', 'systemd-analyze printed warnings');
    } finally {
      await removeTree(dir);
    }
  });

  it('the service is socket-activated, notifies, reloads with SIGHUP, keeps container monitors on stop, delegates cgroups', function () {
    const svc = section('berthd.service', 'Service');
    assert.equal(svc.get('ExecStart'), '/usr/sbin/berthd -H fd://');
    assert.equal(svc.get('KillMode'), 'process');
    assert.equal(svc.get('Delegate'), 'yes');
    assert.equal(svc.get('Type'), 'notify');
    assert.equal(svc.get('ExecReload'), '/bin/kill -HUP $MAINPID');
    assert.equal(section('berthd.service', 'Unit').get('Requires'), 'berthd.socket');
  });

  it('the socket listens where the CLIs look by default, root:berth 0660', function () {
    const sock = section('berthd.socket', 'Socket');
    assert.equal(sock.get('ListenStream'), '/run/berth/berth.sock');
    assert.equal(sock.get('SocketMode'), '0660');
    assert.equal(sock.get('SocketUser'), 'root');
    assert.equal(sock.get('SocketGroup'), 'berth');
  });
});
