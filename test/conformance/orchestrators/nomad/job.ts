/**
 * The job the Nomad transcripts run, and what Nomad's client turns it into before the docker
 * driver sees it: the allocation directory (client/allocdir: <alloc>/alloc/{data,logs,tmp},
 * <alloc>/<task>/{local,secrets,tmp}), the task environment (NOMAD_* variables, taskenv), and
 * the create body createContainerConfig (drivers/docker/driver.go:1021-1607) builds from it,
 * marshalled by Go as the moby client sends it (every field of container.Config and HostConfig,
 * zero values included, client/container_create.go:18).
 *
 *   job "example" {
 *     group "web" {
 *       network { port "http" { to = 8080 } }          # or mode = "bridge" (the variant)
 *       task "web" {
 *         driver = "docker"
 *         config { image = "<registry>/busybox:latest"  command = "/bin/sh"  args = ["-c", "..."]
 *                  ports = ["http"]  pids_limit = 64 }
 *         resources { cpu = 100  memory = 64 }
 *       }
 *     }
 *   }
 *
 * The plugin config is Nomad's default (config.go:209-297): logging json-file max-file=2
 * max-size=2m, allow_caps without NET_RAW, gc { image = true  container = true }.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { goConfig, goHostConfig, type Vars } from '../replay';
import { ALLOC_LABEL } from './fingerprint';

export const MiB = 1024 * 1024;

export interface TaskSpec {
  /** Task name (container name prefix, alloc sub-directory). */
  name: string;
  /** `sh -c` script run by the task. */
  script: string;
  /** resources.memory in MB: Memory = MemorySwap = this (driver.go:1037, :1177). */
  memoryMB: number;
  /** resources.cpu in MHz: CpuShares (driver.go:1107). */
  cpuMHz: number;
  /** config.pids_limit (driver.go:1092-1105). */
  pidsLimit: number;
  /** The group network's port label this task maps (config.ports), in host network mode. */
  port?: { label: string; to: number };
  /** config.logging (driver.go:1187-1201); the plugin default when absent. */
  logging?: { Type: string; Config: Record<string, string> | null };
}

/** Nomad's layout of one allocation, made before the task starts (client/allocdir). */
export function makeAllocDir(root: string, allocId: string, tasks: string[]): string {
  const allocDir = path.join(root, 'alloc', allocId);
  for (const d of ['alloc/data', 'alloc/logs', 'alloc/tmp']) mkdirSync(path.join(allocDir, d), { recursive: true });
  for (const t of tasks) for (const d of ['local', 'secrets', 'tmp']) mkdirSync(path.join(allocDir, t, d), { recursive: true, mode: 0o777 });
  return allocDir;
}

/** A file a template block would render into the task's local/ directory. */
export function renderTemplate(allocDir: string, task: string, file: string, content: string): void {
  writeFileSync(path.join(allocDir, task, 'local', file), content);
}

/** containerBinds (driver.go:765-831): alloc, local, secrets and the read-only logs dir. */
export function binds(allocDir: string, task: string): string[] {
  return [
    `${allocDir}/alloc:/alloc`,
    `${allocDir}/${task}/local:/local`,
    `${allocDir}/${task}/secrets:/secrets`,
    `${allocDir}/alloc/logs:/alloc/logs:ro`,
  ];
}

/** task.EnvList(): the NOMAD_* variables the client sets (taskenv/env.go), in no particular order. */
export function taskEnv(t: TaskSpec, vars: Vars): string[] {
  const env = [
    `NOMAD_ALLOC_DIR=/alloc`, `NOMAD_TASK_DIR=/local`, `NOMAD_SECRETS_DIR=/secrets`, `NOMAD_ALLOC_ID=${vars.allocId}`,
    `NOMAD_ALLOC_NAME=example.web[0]`, `NOMAD_ALLOC_INDEX=0`, `NOMAD_SHORT_ALLOC_ID=${(vars.allocId ?? '').slice(0, 8)}`,
    `NOMAD_CPU_LIMIT=${t.cpuMHz}`, `NOMAD_MEMORY_LIMIT=${t.memoryMB}`, `NOMAD_DC=dc1`, `NOMAD_REGION=global`,
    `NOMAD_NAMESPACE=default`, `NOMAD_JOB_ID=example`, `NOMAD_JOB_NAME=example`, `NOMAD_GROUP_NAME=web`, `NOMAD_TASK_NAME=${t.name}`,
  ];
  if (t.port && vars.hostPort) {
    const l = t.port.label;
    env.push(`NOMAD_IP_${l}=${vars.hostIp}`, `NOMAD_PORT_${l}=${t.port.to}`, `NOMAD_ADDR_${l}=${vars.hostIp}:${vars.hostPort}`,
      `NOMAD_HOST_IP_${l}=${vars.hostIp}`, `NOMAD_HOST_PORT_${l}=${vars.hostPort}`, `NOMAD_HOST_ADDR_${l}=${vars.hostIp}:${vars.hostPort}`,
      `NOMAD_ALLOC_PORT_${l}=${t.port.to}`);
  }
  return env;
}

/** The container name: "<task>-<alloc id>" (driver.go:1537). */
export function containerName(t: TaskSpec, vars: Vars): string {
  return `${t.name.replace(/\//g, '_')}-${vars.allocId}`;
}

/**
 * The create body for a task. `networkMode` is "default" (no group network) or
 * "container:<pause id>" (group bridge network, driver.go:1406-1417); in the latter Nomad
 * publishes no ports itself (CNI's portmap does, driver.go:1425) and bind-mounts the /etc/hosts
 * it generated for the alloc (driver.go:1290-1308, drivers/shared/hostnames/mount.go).
 */
export function taskCreateBody(t: TaskSpec, vars: Vars, networkMode: string, hostsFile?: string): Record<string, unknown> {
  const memory = t.memoryMB * MiB;
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  const exposed: Record<string, Record<string, never>> = {};
  if (t.port && !networkMode.startsWith('container:')) {
    // publishedPorts.add (ports.go:45-68): the same binding for tcp and udp; Go sorts map keys.
    for (const proto of ['tcp', 'udp']) {
      portBindings[`${t.port.to}/${proto}`] = [{ HostIp: vars.hostIp ?? '', HostPort: vars.hostPort ?? '' }];
      exposed[`${t.port.to}/${proto}`] = {};
    }
  }
  const config: Record<string, unknown> = {
    Image: vars.image,
    Env: taskEnv(t, vars),
    Cmd: ['/bin/sh', '-c', t.script], // command + args (driver.go:1477-1490)
    Labels: { [ALLOC_LABEL]: vars.allocId }, // driver.go:1502
  };
  // ExposedPorts is omitempty: an empty map is left out (make(PortSet, 0), driver.go:1471).
  if (Object.keys(exposed).length) config.ExposedPorts = exposed;
  const host: Record<string, unknown> = {
    Binds: binds(vars.allocDir ?? '', t.name),
    LogConfig: t.logging ?? { Type: 'json-file', Config: { 'max-file': '2', 'max-size': '2m' } }, // task's, or the plugin default (config.go:209-217)
    NetworkMode: networkMode,
    PortBindings: portBindings, // make(PortMap, n): {} when empty, never null (driver.go:1455)
    CapAdd: null, // capabilities.Delta's empty list, normalized to nil by the client (container_create.go:96)
    CapDrop: ['CAP_NET_RAW'], // DockerDefaults minus allow_caps (driver.go:1228, shared/capabilities/defaults.go:198)
    CpuShares: t.cpuMHz, // cpuResources (driver.go:987): below the kernel's cap, unchanged
    Memory: memory,
    CpusetCpus: vars.cpuset ?? '', // the cores Nomad reserved (driver.go:1136-1143, cpuSet :1004)
    MemorySwap: memory, // "disable swap" (driver.go:1177)
    MemorySwappiness: 0, // cgroupslib.MaybeDisableMemorySwappiness (driver.go:1180-1182)
    PidsLimit: t.pidsLimit,
  };
  if (hostsFile) {
    host.Mounts = [{ Type: 'bind', Source: hostsFile, Target: '/etc/hosts', BindOptions: { Propagation: 'private' } }];
  }
  // container.CreateRequest{*Config, HostConfig, NetworkingConfig omitempty} (api/types/container/create_request.go)
  return { ...goConfig(config), HostConfig: goHostConfig(host) };
}

/** The pause container of a group network (network.go:160-182): image, labels, network none, unless-stopped. */
export function pauseCreateBody(vars: Vars): Record<string, unknown> {
  return {
    ...goConfig({ Image: vars.pauseImage, Labels: { [ALLOC_LABEL]: vars.allocId } }),
    HostConfig: goHostConfig({ NetworkMode: 'none', RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } }),
  };
}
