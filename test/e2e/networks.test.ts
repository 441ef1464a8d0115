/**
 * Docker's network model through the docker CLI, dockerode and docker-py against berthd: the
 * default bridge, user networks with DNS by name and alias, published ports reached from this
 * process (127.0.0.1 and -P), connect/disconnect, the API shapes clients read, the mistakes
 * users make (one sentence, Docker's status, nothing half set up) and no leftovers (links,
 * rules, namespaces) after rm and after berthd is SIGKILLed. Traffic stays on loopback and the
 * test daemon's own bridges (its network slot, see test/support/netpool.ts).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { haveCommand, httpGet, skipBecause, type TestDaemon, useDockerDaemon, waitFor } from '../support';

/** busybox httpd serving `text` at / on port 80. */
const httpd = (text: string) => ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];

/**
 * A free port outside the ephemeral range: freePort()'s kernel-chosen ports are what other
 * suites running at the same time get too, and what -P hands out.
 */
async function hostPort(): Promise<number> {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 10000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(p, '0.0.0.0', () => srv.close(() => resolve(true)));
    });
    if (free) return p;
  }
}

function iptablesLines(): string {
  return ['nat', 'filter'].map((t) => spawnSync('iptables', ['-w', '-t', t, '-S'], { encoding: 'utf8' }).stdout).join('\n');
}

function linksOf(bridge: string): string[] {
  const r = spawnSync('ip', ['-j', 'link', 'show', 'master', bridge], { encoding: 'utf8' });
  if (r.status !== 0) return []; // no such bridge: nothing attached
  return (JSON.parse(r.stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname);
}

describe('e2e: networks (bridge, user networks, ports, DNS)', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  let image: string;

  useDockerDaemon((fx) => [fx.busybox], (daemon, fx) => ((d = daemon), (image = fx.busybox.ref)));

  before(function () {
    if (!haveCommand('/usr/lib/podman/netavark')) skipBecause(this, 'netavark is not installed (scripts/install.sh installs it)');
  });

  const ok = async (args: string[]) => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const inspect = async (ref: string) => JSON.parse(await ok(['inspect', ref]))[0];
  const netnsFiles = async () => fs.readdir(path.join(d.execRoot, 'netns')).catch(() => [] as string[]);
  const bridge = () => d.netSlot?.bridge ?? 'berth0';

  afterEach(async function () {
    await d.docker(['rm', '-f', 'web', 'web2', 'cli', 'p1', 'p2', 'busy', 'x1']);
    for (const n of ['appnet', 'othernet', 'net3']) await d.docker(['network', 'rm', n]);
  });

  it('the default bridge: an address, a gateway, /etc/hosts and resolv.conf; a container reaches another by IP', async function () {
    await ok(['run', '-d', '--name', 'web', image, ...httpd('by-ip')]);
    const web = await inspect('web');
    const ep = web.NetworkSettings.Networks.bridge;
    assert.match(ep.IPAddress, /^10\.\d+\.\d+\.\d+$/);
    assert.equal(web.NetworkSettings.IPAddress, ep.IPAddress, 'the legacy top-level field is the bridge endpoint');
    assert.equal(web.NetworkSettings.Gateway, ep.Gateway);
    assert.equal(ep.NetworkID, JSON.parse(await ok(['network', 'inspect', 'bridge']))[0].Id);
    assert.match(web.NetworkSettings.SandboxKey, new RegExp(`^${d.execRoot}/netns/${web.Id}$`));
    const out = await ok(['run', '--rm', image, 'sh', '-c', `wget -q -O- http://${ep.IPAddress}/ && cat /etc/hosts /etc/resolv.conf && ip route`]);
    assert.match(out, /^by-ip$/m);
    assert.match(out, /^10\.\d+\.\d+\.\d+\t[0-9a-f]{12}$/m, 'the hosts file names the container with its address');
    assert.match(out, new RegExp(`default via ${ep.Gateway.replace(/\./g, '\\.')}`));
    assert.ok(!out.includes(`nameserver ${ep.Gateway}`), 'no DNS server on the default bridge (as Docker)');
    const bridgeNet = JSON.parse(await ok(['network', 'inspect', 'bridge']))[0];
    assert.equal(bridgeNet.Options['com.docker.network.bridge.name'], bridge());
    assert.equal(bridgeNet.IPAM.Config[0].Gateway, ep.Gateway, 'testcontainers reads the bridge gateway from here');
    assert.equal(bridgeNet.Containers[web.Id].IPv4Address, `${ep.IPAddress}/${ep.IPPrefixLen}`);
  });

  it('two containers on a user network talk HTTP by name, alias and short id; the default bridge has no such names', async function () {
    await ok(['network', 'create', 'appnet']);
    const web = await ok(['run', '-d', '--name', 'web', '--network', 'appnet', '--network-alias', 'www', image, ...httpd('by-name')]);
    const out = await ok(['run', '--rm', '--network', 'appnet', image, 'sh', '-c', `wget -q -O- http://web/ && wget -q -O- http://www/ && wget -q -O- http://${web.slice(0, 12)}/`]);
    assert.deepEqual(out.split('\n'), ['by-name', 'by-name', 'by-name']);
    const ep = (await inspect('web')).NetworkSettings.Networks.appnet;
    assert.deepEqual(ep.Aliases, ['www']);
    assert.deepEqual(ep.DNSNames, ['web', 'www', web.slice(0, 12)]);
    const resolv = await ok(['run', '--rm', image, 'cat', '/etc/resolv.conf']);
    assert.ok(!resolv.includes(ep.Gateway), 'containers on the default bridge do not ask the network\'s DNS');
    const ls = await ok(['network', 'ls', '--filter', 'name=appnet', '--format', '{{.Name}} {{.Driver}}']);
    assert.equal(ls, 'appnet bridge');
    assert.equal(await ok(['network', 'ls', '--filter', 'type=custom', '-q']), (await ok(['network', 'inspect', '-f', '{{.Id}}', 'appnet'])).slice(0, 12));
  });

  it('-p 127.0.0.1:PORT:80 and -p PORT:80 are reached from the host; port, ps and inspect show them as Docker does', async function () {
    const [p1, p2] = [await hostPort(), await hostPort()];
    await ok(['run', '-d', '--name', 'web', '-p', `127.0.0.1:${p1}:80`, '-p', `${p2}:80/tcp`, image, ...httpd('published')]);
    await waitFor('httpd to answer', async () => (await httpGet(`http://127.0.0.1:${p1}/`).catch(() => ({ body: '' }))).body === 'published\n');
    await waitFor('the second binding', async () => (await httpGet(`http://127.0.0.1:${p2}/`).catch(() => ({ body: '' }))).body === 'published\n');
    const port = (await ok(['port', 'web'])).split('\n').sort();
    assert.deepEqual(port, [`80/tcp -> 0.0.0.0:${p2}`, `80/tcp -> 127.0.0.1:${p1}`].sort());
    const ps = await ok(['ps', '--format', '{{.Ports}}', '--filter', 'name=web']);
    assert.ok(ps.includes(`127.0.0.1:${p1}->80/tcp`) && ps.includes(`0.0.0.0:${p2}->80/tcp`), ps);
    const c = await inspect('web');
    assert.deepEqual(c.NetworkSettings.Ports['80/tcp'].map((b: { HostPort: string }) => b.HostPort).sort(), [String(p1), String(p2)].sort());
    assert.deepEqual(c.HostConfig.PortBindings['80/tcp'].map((b: { HostPort: string }) => b.HostPort).sort(), [String(p1), String(p2)].sort());
    // From another container, through the host's address (hairpin through the bridge gateway).
    const gw = c.NetworkSettings.Networks.bridge.Gateway;
    assert.equal(await ok(['run', '--rm', image, 'wget', '-q', '-O-', `http://${gw}:${p2}/`]), 'published');
    assert.equal(await ok(['ps', '-q', '--filter', `publish=${p2}`]), c.Id.slice(0, 12));
  });

  it('-P publishes the EXPOSEd ports on random ephemeral ports, never the same one twice', async function () {
    const [lo, hi] = (await fs.readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number) as [number, number];
    await ok(['run', '-d', '--name', 'p1', '-P', '--expose', '80', image, ...httpd('random')]);
    await ok(['run', '-d', '--name', 'p2', '-P', '--expose', '80', '-p', '127.0.0.1::80/udp', image, ...httpd('random')]);
    const ports: number[] = [];
    for (const n of ['p1', 'p2']) {
      const b = (await inspect(n)).NetworkSettings.Ports['80/tcp'][0];
      assert.equal(b.HostIp, '0.0.0.0');
      ports.push(Number(b.HostPort));
    }
    assert.notEqual(ports[0], ports[1]);
    for (const p of ports) assert.ok(p >= lo && p <= hi, `${p} is in the ephemeral range ${lo}-${hi}`);
    await waitFor('httpd to answer', async () => (await httpGet(`http://127.0.0.1:${ports[0]}/`).catch(() => ({ body: '' }))).body === 'random\n');
    const udp = (await inspect('p2')).NetworkSettings.Ports['80/udp'][0];
    assert.equal(udp.HostIp, '127.0.0.1');
    assert.ok(Number(udp.HostPort) >= lo);
  });

  it('dockerode: EndpointsConfig aliases and a static IP at create, connect and disconnect of a running container', async function () {
    const docker = d.dockerode();
    await docker.createNetwork({ Name: 'appnet', CheckDuplicate: true, IPAM: { Config: [{ Subnet: subnetIn(d, 5), Gateway: gatewayIn(d, 5) }] }, Labels: { team: 'a' } });
    await assert.rejects(docker.createNetwork({ Name: 'appnet', CheckDuplicate: true }), (e: { statusCode?: number; message?: string }) => e.statusCode === 409 && /network with name appnet already exists/.test(String(e.message)));
    const ip = gatewayIn(d, 5).replace(/\.1$/, '.77');
    const web = await docker.createContainer({
      Image: image, name: 'web', Cmd: httpd('dockerode'),
      HostConfig: { NetworkMode: 'appnet' },
      NetworkingConfig: { EndpointsConfig: { appnet: { Aliases: ['api'], IPAMConfig: { IPv4Address: ip } } } },
    });
    await web.start();
    const info = await web.inspect();
    const ep = info.NetworkSettings.Networks.appnet as unknown as Record<string, unknown>;
    assert.equal(ep.IPAddress, ip);
    assert.deepEqual(ep.Aliases, ['api']);
    assert.equal(typeof ep.EndpointID, 'string');
    assert.match(String(ep.MacAddress), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    // A container on the default bridge, connected to appnet while running, then reaches api.
    await ok(['run', '-d', '--name', 'cli', image, 'sleep', '300']);
    const appnet = docker.getNetwork('appnet');
    await appnet.connect({ Container: 'cli', EndpointConfig: { Aliases: ['client'] } });
    await assert.rejects(appnet.connect({ Container: 'cli' }), (e: { statusCode?: number; message?: string }) => e.statusCode === 403 && /already exists in network appnet/.test(String(e.message)));
    assert.equal(await ok(['exec', 'cli', 'wget', '-q', '-O-', 'http://api/']), 'dockerode');
    const nets = (await inspect('cli')).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(nets).sort(), ['appnet', 'bridge']);
    const netInfo = await appnet.inspect();
    assert.equal(Object.keys(netInfo.Containers ?? {}).length, 2);
    assert.deepEqual(netInfo.Labels, { team: 'a' });
    await appnet.disconnect({ Container: 'cli' });
    assert.deepEqual(Object.keys((await inspect('cli')).NetworkSettings.Networks), ['bridge']);
    const after = await d.docker(['exec', 'cli', 'ip', '-o', 'addr']);
    assert.ok(!after.stdout.includes(gatewayIn(d, 5).replace(/\.1$/, '.')), 'the interface on appnet is gone');
    await assert.rejects(appnet.remove(), (e: { statusCode?: number; message?: string }) => e.statusCode === 403 && /has active endpoints/.test(String(e.message)));
  });

  it('docker-py: a network, a container with ports on it, reached by name and from the host', async function () {
    const port = await hostPort();
    const r = await d.dockerPy(`
import docker, json, time, urllib.request
c = docker.from_env()
n = c.networks.create("appnet", driver="bridge")
web = c.containers.run("${image}", ${JSON.stringify(httpd('py'))}, detach=True, name="web", network="appnet", ports={"80/tcp": ("127.0.0.1", ${port})})
web.reload()
body = ""
for _ in range(50):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=2).read().decode(); break
    except Exception:
        time.sleep(0.1)
out = c.containers.run("${image}", ["wget", "-q", "-O-", "http://web/"], network="appnet", remove=True).decode()
n.reload()
print(json.dumps({"body": body, "byname": out, "ports": web.attrs["NetworkSettings"]["Ports"], "ip": web.attrs["NetworkSettings"]["Networks"]["appnet"]["IPAddress"], "members": [x.name for x in n.containers]}))
`);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.body, 'py\n');
    assert.equal(o.byname, 'py\n');
    assert.deepEqual(o.ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
    assert.match(o.ip, /^10\./);
    assert.deepEqual(o.members, ['web']);
  });

  it('mistakes: one sentence and Docker\'s status each, and nothing half set up', async function () {
    const before = { links: linksOf(bridge()).length, netns: (await netnsFiles()).length };
    const p = await hostPort();
    await ok(['run', '-d', '--name', 'web', '-p', `${p}:80`, image, ...httpd('x')]);
    // Port taken by another container.
    let r = await d.docker(['run', '-d', '--name', 'web2', '-p', `${p}:80`, image, 'sleep', '60']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${p} failed: port is already allocated`));
    assert.equal((await inspect('web2')).State.Running, false);
    await ok(['rm', 'web2']);
    // Port held by a process on the host.
    const srv = net.createServer().listen(0, '0.0.0.0');
    await new Promise((res) => srv.once('listening', res));
    const held = (srv.address() as net.AddressInfo).port;
    try {
      r = await d.docker(['run', '--rm', '-p', `${held}:80`, image, 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${held} failed: the port is in use by a process on the host`));
    } finally {
      srv.close();
    }
    // Unknown network: 404 at create, nothing made.
    const docker = d.dockerode();
    await assert.rejects(docker.createContainer({ Image: image, HostConfig: { NetworkMode: 'nosuchnet' } }), (e: { statusCode?: number; message?: string }) => e.statusCode === 404 && /network nosuchnet not found/.test(String(e.message)));
    r = await d.docker(['run', '--rm', '--network', 'nosuchnet', image, 'true']);
    assert.match(r.stderr, /network nosuchnet not found/);
    // Invalid -p through the API (the CLI checks its own syntax), and -p with --network host.
    await assert.rejects(docker.createContainer({ Image: image, HostConfig: { PortBindings: { 'abc/tcp': [{ HostPort: '80' }] } } }), (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /invalid container port "abc"/.test(String(e.message)));
    await assert.rejects(docker.createContainer({ Image: image, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '99999' }] } } }), (e: { statusCode?: number }) => e.statusCode === 400);
    r = await d.docker(['run', '--rm', '--network', 'host', '-p', '8080:80', image, 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /published ports \(-p\/-P\) cannot be used with --network host/);
    // Overlapping subnet: 403; network rm of a predefined network: 403.
    await ok(['network', 'create', '--subnet', subnetIn(d, 6), 'appnet']);
    r = await d.docker(['network', 'create', '--subnet', subnetIn(d, 6), 'othernet']);
    assert.match(r.stderr, /Pool overlaps with other one on this address space/);
    r = await d.docker(['network', 'rm', 'bridge']);
    assert.match(r.stderr, /bridge is a pre-defined network and cannot be removed/);
    const res = await new Promise<number>((resolve) => {
      http.request({ socketPath: d.socket, method: 'POST', path: '/networks/create', headers: { 'content-type': 'application/json' } }, (m) => (m.resume(), resolve(m.statusCode ?? 0)))
        .end(JSON.stringify({ Name: 'othernet', IPAM: { Config: [{ Subnet: subnetIn(d, 6) }] } }));
    });
    assert.equal(res, 403);
    await ok(['rm', '-f', 'web']);
    assert.equal(linksOf(bridge()).length, before.links, 'no veth left on the bridge');
    assert.equal((await netnsFiles()).length, before.netns, 'no namespace file left');
  });

  it('--network, --ipc and --pid container:NAME share the other container\'s namespaces (a pod); host modes; sysctls', async function () {
    await ok(['run', '-d', '--name', 'web', '--hostname', 'podhost', '--ipc', 'shareable', image, ...httpd('pod')]);
    const web = await inspect('web');
    const out = await ok(['run', '--rm', '--name', 'x1', '--network', 'container:web', '--ipc', 'container:web', '--pid', 'container:web', image, 'sh', '-c',
      'wget -q -O- http://127.0.0.1/ && hostname && ps -o comm | grep -c httpd && readlink /proc/1/ns/ipc']);
    const [body, host, httpds] = out.split('\n');
    assert.equal(body, 'pod');
    assert.equal(host, 'podhost');
    assert.equal(httpds, '1', 'the other container\'s processes are visible');
    const ipc = spawnSync('readlink', [`/proc/${web.State.Pid}/ns/ipc`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(out.endsWith(ipc), `${out} shares ${ipc}`);
    const hostPid = await ok(['run', '--rm', '--pid', 'host', image, 'readlink', '/proc/self/ns/pid']);
    assert.equal(hostPid, spawnSync('readlink', ['/proc/self/ns/pid'], { encoding: 'utf8' }).stdout.trim());
    assert.equal(await ok(['run', '--rm', '--sysctl', 'net.ipv4.ip_forward=1', image, 'cat', '/proc/sys/net/ipv4/ip_forward']), '1');
    let r = await d.docker(['run', '--rm', '--pid', 'container:nosuch', image, 'true']);
    assert.match(r.stderr, /No such container: nosuch/);
    // The docker CLI checks sysctl names itself; the API refuses them too.
    await assert.rejects(d.dockerode().createContainer({ Image: image, HostConfig: { Sysctls: { 'kernel.hostname': 'x' } } }),
      (e: { statusCode?: number; message?: string }) => e.statusCode === 400 && /sysctl "kernel.hostname" is not whitelisted/.test(String(e.message)));
  });

  it('leaves no link, rule or namespace after rm, and after berthd is SIGKILLed (running containers keep their network)', async function () {
    await ok(['network', 'create', 'appnet']);
    const p = await hostPort();
    await ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', `127.0.0.1:${p}:80`, image, ...httpd('survivor')]);
    await ok(['run', '-d', '--name', 'busy', image, 'sleep', '300']);
    const web = await inspect('web');
    const busy = await inspect('busy');
    const webIp = web.NetworkSettings.Networks.appnet.IPAddress as string;
    const busyIp = busy.NetworkSettings.Networks.bridge.IPAddress as string;
    const appBridge = JSON.parse(await ok(['network', 'inspect', 'appnet']))[0].Options['com.docker.network.bridge.name'] ?? `br-${web.NetworkSettings.Networks.appnet.NetworkID.slice(0, 12)}`;
    assert.ok(iptablesLines().includes(webIp), 'the published port has rules naming the container');
    await waitFor('httpd', async () => (await httpGet(`http://127.0.0.1:${p}/`).catch(() => ({ body: '' }))).body === 'survivor\n');

    await d.kill(); // SIGKILL: containers keep running, and keep their network
    assert.equal((await httpGet(`http://127.0.0.1:${p}/`)).body, 'survivor\n');
    // While berthd is down, one container dies.
    spawnSync('kill', ['-9', String(busy.State.Pid)]);
    await d.restart();
    assert.equal((await httpGet(`http://127.0.0.1:${p}/`)).body, 'survivor\n', 'still published after the restart');
    await waitFor('busy to be seen as exited', async () => (await inspect('busy')).State.Running === false);
    assert.ok(!iptablesLines().includes(busyIp + '/') && !iptablesLines().includes(busyIp + ' '), 'the dead container\'s rules are gone');
    assert.deepEqual((await netnsFiles()).filter((f) => f.startsWith(busy.Id)), [], 'the dead container\'s namespace is gone');
    // As dockerd's releaseNetwork at its start: a disconnect event for the dead container.
    const ev = await ok(['events', '--since', '0', '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'type=network', '--filter', 'event=disconnect', '--format', '{{.Actor.Attributes.container}}']);
    assert.ok(ev.split('\n').includes(busy.Id), `disconnect of ${busy.Id} in: ${ev}`);
    // After the restart the same port is still known as taken.
    const r = await d.docker(['run', '--rm', '-p', `127.0.0.1:${p}:80`, image, 'true']);
    assert.match(r.stderr, /port is already allocated/);

    await ok(['rm', '-f', 'web', 'busy']);
    await ok(['network', 'rm', 'appnet']);
    assert.deepEqual(await netnsFiles(), []);
    assert.deepEqual(linksOf(appBridge), []);
    assert.ok(!iptablesLines().includes(webIp), 'no rule names the removed container');
    assert.ok(!iptablesLines().includes(`:${p}`) && !iptablesLines().includes(`--dport ${p} `), 'no rule for the published port');
  });
});

/** The n-th /24 of the daemon's pool (well past what the daemon hands out by itself). */
function subnetIn(d: TestDaemon, n: number): string {
  const [a, b, c] = (d.netSlot?.pool ?? '10.250.0.0/19').split('/')[0]!.split('.').map(Number) as [number, number, number];
  return `${a}.${b}.${c + 20 + n}.0/24`;
}

function gatewayIn(d: TestDaemon, n: number): string {
  return subnetIn(d, n).replace(/\.0\/24$/, '.1');
}
