/**
 * `berth network COMMAND`: create, ls, inspect, rm, prune, connect, disconnect, with the docker
 * CLI's flags, table and prompts (the daemon does the work: daemon/networks, api/networks).
 */
import { CliError } from '../http';
import { filtersJson, parseFlags } from '../flags';
import { goTime } from '../format';
import type { CommandContext } from '../main';
import { confirm } from '../prompt';
import { Template } from '../template';
import { writeInspected } from './inspect';

const USAGE = `Usage:  berth network COMMAND

Manage networks

Commands:
  connect     Connect a container to a network
  create      Create a network
  disconnect  Disconnect a container from a network
  inspect     Display detailed information on one or more networks
  ls          List networks
  prune       Remove all unused networks
  rm          Remove one or more networks
`;

const HELP: Record<string, string> = {
  create: `Usage:  berth network create [OPTIONS] NETWORK

Create a network

Options:
  -d, --driver string        Driver to manage the Network (default "bridge")
      --gateway strings      IPv4 Gateway for the master subnet
      --internal             Restrict external access to the network
      --ip-range strings     Allocate container ip from a sub-range
      --label list           Set metadata on a network
  -o, --opt map              Set driver specific options
      --subnet strings       Subnet in CIDR format that represents a network segment
`,
  ls: `Usage:  berth network ls [OPTIONS]

List networks

Options:
  -f, --filter filter   Provide filter values (e.g. "driver=bridge")
      --format string   Format output using a Go template
      --no-trunc        Do not truncate the output
  -q, --quiet           Only display network IDs
`,
  inspect: `Usage:  berth network inspect [OPTIONS] NETWORK [NETWORK...]

Display detailed information on one or more networks

Options:
  -f, --format string   Format output using a Go template
`,
  rm: `Usage:  berth network rm NETWORK [NETWORK...]

Remove one or more networks
`,
  prune: `Usage:  berth network prune [OPTIONS]

Remove all unused networks

Options:
      --filter filter   Provide filter values (e.g. "until=<timestamp>")
  -f, --force           Do not prompt for confirmation
`,
  connect: `Usage:  berth network connect [OPTIONS] NETWORK CONTAINER

Connect a container to a network

Options:
      --alias strings   Add network-scoped alias for the container
      --ip string       IPv4 address (e.g., "172.30.100.104")
`,
  disconnect: `Usage:  berth network disconnect [OPTIONS] NETWORK CONTAINER

Disconnect a container from a network

Options:
  -f, --force   Force the container to disconnect from a network
`,
};

interface Network {
  Id: string; Name: string; Driver: string; Scope: string; EnableIPv6: boolean; Internal: boolean;
  Labels: Record<string, string> | null; Created: string;
}

/** `--label k=v` / `-o k=v` lists as a map; options need the `=` (the docker CLI's map flag). */
function keyValues(list: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0 && flag === 'opt') throw new CliError(`invalid argument "${kv}" for "-o, --opt" flag: bad format`);
    if (i < 0) out[kv] = '';
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** One optional value of a flag berth takes once (one IPv4 subnet per network). */
function single(list: readonly string[] | undefined, flag: string): string | undefined {
  if ((list?.length ?? 0) > 1) throw new CliError(`berth supports one IPv4 subnet per network: --${flag} given ${list?.length} times`);
  return list?.[0];
}

/** What `network ls --format` sees (docker/cli's formatter/network.go field names). */
function row(n: Network, noTrunc: boolean): Record<string, unknown> {
  const labels = Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const created = Date.parse(n.Created);
  return {
    ID: noTrunc ? n.Id : n.Id.slice(0, 12), Name: n.Name, Driver: n.Driver, Scope: n.Scope,
    IPv6: String(n.EnableIPv6), Internal: String(n.Internal), Labels: labels,
    CreatedAt: Number.isFinite(created) ? goTime(Math.floor(created / 1000)) : n.Created,
  };
}

const LS_HEADERS = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' };

function twoArgs(cmd: string, args: string[]): [string, string] {
  if (args.length !== 2) throw new CliError(`"berth network ${cmd}" requires exactly 2 arguments.\nSee 'berth network ${cmd} --help'.`);
  return [args[0] as string, args[1] as string];
}

export async function run(argv: string[], { client }: CommandContext): Promise<number | void> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return sub ? 0 : 1;
  }
  const name = sub === 'list' ? 'ls' : sub === 'remove' ? 'rm' : sub;
  const help = HELP[name];
  if (help === undefined) throw new CliError(`'network ${sub}' is not a berth command.\nSee 'berth network --help'`);
  const enc = encodeURIComponent;
  switch (name) {
    case 'create': {
      const p = parseFlags(rest, {
        driver: { type: 'string', short: 'd' }, subnet: { type: 'list' }, gateway: { type: 'list' }, 'ip-range': { type: 'list' },
        internal: { type: 'bool' }, label: { type: 'list' }, opt: { type: 'list', short: 'o' },
      });
      if (p.help) return void process.stdout.write(help);
      if (p.args.length !== 1) throw new CliError(`"berth network create" requires exactly 1 argument.\nSee 'berth network create --help'.`);
      const subnet = single(p.lists.subnet, 'subnet');
      const gateway = single(p.lists.gateway, 'gateway');
      const ipRange = single(p.lists['ip-range'], 'ip-range');
      if ((gateway || ipRange) && !subnet) throw new CliError(`every ip-range or gateway must have a corresponding subnet`);
      const config = subnet ? [{ Subnet: subnet, ...(gateway ? { Gateway: gateway } : {}), ...(ipRange ? { IPRange: ipRange } : {}) }] : [];
      const r = await client.json<{ Id: string; Warning?: string }>('/networks/create', {
        method: 'POST',
        body: {
          Name: p.args[0], Driver: p.strings.driver ?? 'bridge', Internal: !!p.bools.internal, CheckDuplicate: true,
          IPAM: { Driver: 'default', Config: config, Options: {} }, Options: keyValues(p.lists.opt, 'opt'), Labels: keyValues(p.lists.label, 'label'),
        },
      });
      if (r.Warning) process.stderr.write(`WARNING: ${r.Warning}\n`);
      process.stdout.write(`${r.Id}\n`);
      return;
    }
    case 'ls': {
      const p = parseFlags(rest, { quiet: { type: 'bool', short: 'q' }, filter: { type: 'list', short: 'f' }, format: { type: 'string' }, 'no-trunc': { type: 'bool' } });
      if (p.help) return void process.stdout.write(help);
      const list = await client.json<Network[]>('/networks', { query: { filters: filtersJson(p.lists.filter) } });
      list.sort((a, b) => a.Name.localeCompare(b.Name));
      let format = p.strings.format;
      if (p.bools.quiet) format = '{{.ID}}';
      if (!format || format === 'table') format = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
      if (format === 'json') format = '{{json .}}';
      process.stdout.write(new Template(format).renderAll(list.map((n) => row(n, !!p.bools['no-trunc'])), LS_HEADERS));
      return;
    }
    case 'inspect': {
      const p = parseFlags(rest, { format: { type: 'string', short: 'f' } });
      if (p.help) return void process.stdout.write(help);
      if (p.args.length === 0) throw new CliError(`"berth network inspect" requires at least 1 argument.\nSee 'berth network inspect --help'.`);
      const found: unknown[] = [];
      const missing: string[] = [];
      for (const ref of p.args) {
        try {
          found.push(await client.json(`/networks/${enc(ref)}`));
        } catch (err) {
          if (!(err instanceof CliError) || err.status !== 404) throw err;
          missing.push(`No such network: ${ref}`);
        }
      }
      writeInspected(found, p.strings.format, missing);
      return;
    }
    case 'rm': {
      const p = parseFlags(rest, { force: { type: 'bool', short: 'f' } });
      if (p.help) return void process.stdout.write(help);
      if (p.args.length === 0) throw new CliError(`"berth network rm" requires at least 1 argument.\nSee 'berth network rm --help'.`);
      let failed = false;
      for (const ref of p.args) {
        try {
          await client.request(`/networks/${enc(ref)}`, { method: 'DELETE' });
          process.stdout.write(`${ref}\n`);
        } catch (err) {
          // -f: a network that does not exist is not an error (docker CLI)
          if (p.bools.force && err instanceof CliError && err.status === 404) continue;
          failed = true;
          process.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
        }
      }
      return failed ? 1 : 0;
    }
    case 'prune': {
      const p = parseFlags(rest, { force: { type: 'bool', short: 'f' }, filter: { type: 'list' } });
      if (p.help) return void process.stdout.write(help);
      if (!p.bools.force && !(await confirm('WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?'))) return;
      const r = await client.json<{ NetworksDeleted: string[] | null }>('/networks/prune', { method: 'POST', query: { filters: filtersJson(p.lists.filter) } });
      if (r.NetworksDeleted?.length) process.stdout.write(`Deleted Networks:\n${r.NetworksDeleted.map((n) => `${n}\n`).join('')}`);
      return;
    }
    case 'connect': {
      const p = parseFlags(rest, { alias: { type: 'list' }, ip: { type: 'string' } });
      if (p.help) return void process.stdout.write(help);
      const [net, container] = twoArgs('connect', p.args);
      const endpoint: Record<string, unknown> = {};
      if (p.lists.alias?.length) endpoint.Aliases = p.lists.alias;
      if (p.strings.ip) endpoint.IPAMConfig = { IPv4Address: p.strings.ip };
      await client.request(`/networks/${enc(net)}/connect`, { method: 'POST', body: { Container: container, EndpointConfig: endpoint } });
      return;
    }
    case 'disconnect': {
      const p = parseFlags(rest, { force: { type: 'bool', short: 'f' } });
      if (p.help) return void process.stdout.write(help);
      const [net, container] = twoArgs('disconnect', p.args);
      await client.request(`/networks/${enc(net)}/disconnect`, { method: 'POST', body: { Container: container, Force: !!p.bools.force } });
      return;
    }
  }
}
