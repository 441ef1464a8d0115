/**
 * What the containers service needs from networking (implemented by daemon/networks, wired
 * in by the composition root; absent in unit tests with fakes, where containers get the
 * helper's private loopback-only namespace). Keeps containers/ free of any import of
 * networks/.
 */
import type { ContainerNetworkState } from '../networks/record';
import type { ContainerRecord } from './record';

export interface CreateNetworking {
  id: string;
  name: string;
  hostConfig: ContainerRecord['HostConfig'];
  networkingConfig: unknown;
  exposedPorts: unknown;
}

/** How the runtime should set up the container's network, once attach() prepared it. */
export interface SandboxInfo {
  mode: 'host' | 'none' | 'private';
  /** Join this namespace (bridge networks and container:NAME). */
  netns?: string;
  /** The container's address and gateway on its first network (for /etc/hosts, host-gateway). */
  ipAddress?: string;
  gateway?: string;
  /** Nameservers for resolv.conf instead of the host's (the networks' DNS servers). */
  nameservers?: string[];
  /** container:NAME: use that container's /etc files and hostname. */
  shareFrom?: { hosts: string; hostname: string; resolvConf: string; hostnameValue: string };
  /**
   * Bridge networks: the namespace file (`created`) and its interfaces and rules (`ready`) are
   * still being set up, overlapping the rest of the start (runtime ContainerSpec.netPending).
   * A rejection means the attachment was undone already.
   */
  pending?: { created: Promise<void>; ready: Promise<void> };
}

export interface ContainerNetworking {
  /** Validates a create request's network settings (unknown network, bad -p, host + -p...) and
   *  returns the container's initial network state. Throws BerthError; keeps nothing. */
  prepare(req: CreateNetworking): ContainerNetworkState;
  /** Before the start: namespace, interfaces, addresses, ports (the first two may still be
   *  under way: SandboxInfo.pending). All or nothing. */
  attach(rec: ContainerRecord): Promise<SandboxInfo>;
  /** After the exit or before removal: undoes attach(); idempotent. */
  detach(rec: ContainerRecord): Promise<void>;
  /** At daemon start, with every record: adopts the running ones, tears down the rest. */
  recover(all: readonly ContainerRecord[], running: (id: string) => boolean): Promise<void>;
}
