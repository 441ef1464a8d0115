/**
 * Facts for GET /info: host facts (kernel, OS, CPUs, memory, cgroup version) read once per
 * request from /proc, /sys and /etc/os-release, plus counts from the image service and from
 * the containers service through the `ContainersView` interface (zeros until it is injected).
 * Shapes are dockerd's (research transcript info.txt) so `docker info` prints them as usual.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Config } from './config';
import { atomicWrite } from './store/atomic';
import { BERTH_RUNTIME, BERTH_VERSION } from './version-info';

export interface ContainerCounts {
  total: number;
  running: number;
  paused: number;
  stopped: number;
}

/** What /info and /system/df need from the containers service. */
export interface ContainersView {
  counts(): Promise<ContainerCounts>;
  /** Docker ContainerSummary objects with SizeRw/SizeRootFs, for /system/df. */
  diskUsage(): Promise<Record<string, unknown>[]>;
}

export const NO_CONTAINERS: ContainersView = {
  counts: async () => ({ total: 0, running: 0, paused: 0, stopped: 0 }),
  diskUsage: async () => [],
};

export function cgroupVersion(root = '/sys/fs/cgroup'): '1' | '2' {
  return existsSync(path.join(root, 'cgroup.controllers')) ? '2' : '1';
}

/** PRETTY_NAME and VERSION_ID from /etc/os-release. */
export async function osRelease(file = '/etc/os-release'): Promise<{ pretty: string; version: string }> {
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { pretty: 'Linux', version: '' };
  }
  const get = (k: string) => {
    const m = new RegExp(`^${k}=(.*)$`, 'm').exec(text);
    return m?.[1]?.replace(/^"(.*)"$/, '$1') ?? '';
  };
  return { pretty: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
}

async function readTrim(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return '';
  }
}

/** A stable id for this engine, kept in the data root (Docker keeps one too). */
export async function engineId(dataRoot: string): Promise<string> {
  const file = path.join(dataRoot, 'engine-id');
  const existing = await readTrim(file);
  if (existing) return existing;
  const id = randomUUID();
  await atomicWrite(file, id + '\n');
  return id;
}

function isCidr(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(s);
}

export function registryConfig(insecure: readonly string[], mirrors: readonly string[] = []): Record<string, unknown> {
  const cidrs = ['127.0.0.0/8', ...insecure.filter(isCidr).filter((c) => c !== '127.0.0.0/8')];
  // dockerd lists mirrors with a trailing slash.
  const mirrorUrls = mirrors.map((m) => `${m}/`);
  const index: Record<string, unknown> = { 'docker.io': { Name: 'docker.io', Mirrors: mirrorUrls, Secure: true, Official: true } };
  for (const host of insecure.filter((h) => !isCidr(h))) index[host] = { Name: host, Mirrors: [], Secure: false, Official: false };
  return {
    AllowNondistributableArtifactsCIDRs: [],
    AllowNondistributableArtifactsHostnames: [],
    InsecureRegistryCIDRs: cidrs,
    IndexConfigs: index,
    Mirrors: mirrorUrls,
  };
}

/** The configuration /info shows; the optional fields are the live (reloadable) ones. */
export type InfoConfig = Pick<Config, 'dataRoot' | 'insecureRegistries'> & Partial<Pick<Config, 'registryMirrors' | 'labels' | 'logLevel' | 'logDriver'>>;

export async function infoBody(config: InfoConfig, images: number, containers: ContainerCounts): Promise<Record<string, unknown>> {
  const rel = await osRelease();
  const cgv = cgroupVersion();
  const fds = await fs.readdir('/proc/self/fd').then((x) => x.length, () => 0);
  const swap = cgv === '2' || existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
  // The one runtime berth has: its own helper. Inspect's HostConfig.Runtime names it, create
  // accepts it (containers/create-config.ts), and orchestrators look it up here (cri-dockerd
  // turns these into CRI runtime handlers).
  const runtimes: Record<string, { path: string }> = { [BERTH_RUNTIME]: { path: 'berth-helper' } };
  return {
    ID: await engineId(config.dataRoot),
    Containers: containers.total,
    ContainersRunning: containers.running,
    ContainersPaused: containers.paused,
    ContainersStopped: containers.stopped,
    Images: images,
    Driver: 'overlay2',
    DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true'], ['userxattr', 'false']],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true,
    SwapLimit: swap,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: (await readTrim('/proc/sys/net/ipv4/ip_forward')) === '1',
    BridgeNfIptables: false,
    BridgeNfIp6tables: false,
    Debug: config.logLevel === 'debug',
    NFd: fds,
    OomKillDisable: cgv === '1',
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: config.logDriver ?? 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: cgv,
    NEventsListener: 0,
    KernelVersion: os.release(),
    OperatingSystem: rel.pretty,
    OSVersion: rel.version,
    OSType: 'linux',
    Architecture: os.machine(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: registryConfig(config.insecureRegistries, config.registryMirrors),
    NCPU: os.cpus().length,
    MemTotal: os.totalmem(),
    GenericResources: null,
    DockerRootDir: config.dataRoot,
    HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? '',
    NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? '',
    Name: os.hostname(),
    Labels: config.labels ?? [],
    ExperimentalBuild: false,
    ServerVersion: BERTH_VERSION,
    Runtimes: runtimes,
    DefaultRuntime: BERTH_RUNTIME,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: 'docker-init',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' },
    // Docker's words: containers get the builtin seccomp profile unless told otherwise
    SecurityOptions: ['name=seccomp,profile=builtin'],
    CDISpecDirs: [],
    Warnings: [],
  };
}
