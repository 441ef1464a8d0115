/** `berth info [--format]` (also `system info`): Client and Server sections like `docker info`. */
import { parseFlags } from '../flags';
import { bytesSize } from '../format';
import type { CommandContext } from '../main';
import { Template } from '../template';

type Info = Record<string, unknown>;

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function serverText(i: Info): string {
  const out: string[] = [];
  const line = (indent: number, label: string, value?: unknown) => out.push(`${' '.repeat(indent)}${label}${value === undefined ? '' : ` ${str(value)}`}`);
  line(1, 'Containers:', i.Containers);
  line(2, 'Running:', i.ContainersRunning);
  line(2, 'Paused:', i.ContainersPaused);
  line(2, 'Stopped:', i.ContainersStopped);
  line(1, 'Images:', i.Images);
  line(1, 'Server Version:', i.ServerVersion);
  line(1, 'Storage Driver:', i.Driver);
  for (const pair of (i.DriverStatus as [string, string][] | null) ?? []) line(2, `${pair[0]}:`, pair[1]);
  line(1, 'Logging Driver:', i.LoggingDriver);
  line(1, 'Cgroup Driver:', i.CgroupDriver);
  line(1, 'Cgroup Version:', i.CgroupVersion);
  const plugins = (i.Plugins ?? {}) as Record<string, string[] | null>;
  line(1, 'Plugins:');
  for (const k of ['Volume', 'Network', 'Log']) if (plugins[k]?.length) line(2, `${k}:`, (plugins[k] as string[]).join(' '));
  line(1, 'Swarm:', (i.Swarm as { LocalNodeState?: string } | undefined)?.LocalNodeState ?? 'inactive');
  line(1, 'Runtimes:', Object.keys((i.Runtimes ?? {}) as object).join(' '));
  line(1, 'Default Runtime:', i.DefaultRuntime);
  const sec = (i.SecurityOptions as string[] | null) ?? [];
  if (sec.length) {
    line(1, 'Security Options:');
    // as the docker CLI prints "name=seccomp,profile=builtin": the name, then "Profile: builtin"
    for (const s of sec) {
      const fields = s.split(',').map((f) => f.split('=') as [string, string?]);
      line(2, fields.find(([k]) => k === 'name')?.[1] ?? s);
      for (const [k, v] of fields) if (k !== 'name' && v !== undefined) line(3, `${k.charAt(0).toUpperCase()}${k.slice(1)}:`, v);
    }
  }
  line(1, 'Kernel Version:', i.KernelVersion);
  line(1, 'Operating System:', i.OperatingSystem);
  line(1, 'OSType:', i.OSType);
  line(1, 'Architecture:', i.Architecture);
  line(1, 'CPUs:', i.NCPU);
  line(1, 'Total Memory:', bytesSize(Number(i.MemTotal ?? 0)));
  line(1, 'Name:', i.Name);
  line(1, 'ID:', i.ID);
  line(1, 'Docker Root Dir:', i.DockerRootDir);
  line(1, 'Debug Mode:', i.Debug ? 'true' : 'false');
  line(1, 'Experimental:', i.ExperimentalBuild ? 'true' : 'false');
  const labels = (i.Labels as string[] | null) ?? [];
  if (labels.length) {
    line(1, 'Labels:');
    for (const l of labels) line(2, l);
  }
  const reg = (i.RegistryConfig ?? {}) as { InsecureRegistryCIDRs?: string[]; IndexConfigs?: Record<string, { Secure?: boolean }>; Mirrors?: string[] };
  const insecure = [...Object.entries(reg.IndexConfigs ?? {}).filter(([, c]) => c.Secure === false).map(([k]) => k), ...(reg.InsecureRegistryCIDRs ?? [])];
  if (insecure.length) {
    line(1, 'Insecure Registries:');
    for (const r of insecure) line(2, r);
  }
  if (reg.Mirrors?.length) {
    line(1, 'Registry Mirrors:');
    for (const m of reg.Mirrors) line(2, m);
  }
  line(1, 'Live Restore Enabled:', i.LiveRestoreEnabled ? 'true' : 'false');
  return out.join('\n') + '\n';
}

export async function run(argv: string[], ctx: CommandContext): Promise<void> {
  const p = parseFlags(argv, { format: { type: 'string', short: 'f' } });
  if (p.help) {
    process.stdout.write('Usage:  berth info [OPTIONS]\n\nDisplay system-wide information\n\nOptions:\n  -f, --format string   Format output using a Go template\n');
    return;
  }
  const { BERTH_VERSION } = await import('../../daemon/version-info');
  const clientInfo = { Version: BERTH_VERSION, Context: 'default', Debug: false, Plugins: [] };
  if (p.strings.format) {
    const server = await ctx.client.json<Info>('/info');
    const format = p.strings.format === 'json' ? '{{json .}}' : p.strings.format;
    process.stdout.write(new Template(format).execute({ ...server, ClientInfo: clientInfo }) + '\n');
    return;
  }
  process.stdout.write(`Client:\n Version:    ${BERTH_VERSION}\n Context:    default\n Debug Mode: false\n\nServer:\n`);
  const server = await ctx.client.json<Info>('/info');
  process.stdout.write(serverText(server));
  const warnings = (server.Warnings as string[] | null) ?? [];
  if (warnings.length) process.stderr.write(warnings.join('\n') + '\n');
}
