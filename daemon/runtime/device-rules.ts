/**
 * Which devices a container may use (issue 9 item 2). A container keeps CAP_MKNOD, as under
 * Docker, so it can make any node; what stops it opening one is the device cgroup: v1's
 * `devices.deny a` + `devices.allow` lines, v2's BPF program (device-bpf.ts), both built from
 * the rule list here. The list is Docker's default allow-list, then one rule per `--device`
 * mapping (its cgroup permissions), then `--device-cgroup-rule`s; `--privileged` allows all.
 * Pure: parsing and validation only.
 */
import { invalid } from '../errors';

export type DeviceType = 'a' | 'b' | 'c';

/** One allow rule; major/minor -1 is `*`; access a subset of "rwm". */
export interface DeviceRule {
  type: DeviceType;
  major: number;
  minor: number;
  access: string;
}

/** `--device HOST[:CONTAINER[:PERMS]]` as the API carries it (HostConfig.Devices). */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** What the containers service asks of the runtime (ContainerSpec.devices). */
export interface DevicePolicy {
  mappings: DeviceMapping[];
  /** `--device-cgroup-rule` lines, validated at create. */
  rules: string[];
  /** `--privileged`: every device allowed, and the host's devices appear in /dev. */
  privileged: boolean;
}

const rule = (type: DeviceType, major: number, minor: number, access = 'rwm'): DeviceRule => ({ type, major, minor, access });

/** Docker's defaults (moby oci defaults + runc's allowed devices). */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  rule('c', -1, -1, 'm'), // mknod of any char device (opening it is another matter)
  rule('b', -1, -1, 'm'), // mknod of any block device
  rule('c', 1, 3), // null
  rule('c', 1, 5), // zero
  rule('c', 1, 7), // full
  rule('c', 1, 8), // random
  rule('c', 1, 9), // urandom
  rule('c', 5, 0), // tty
  rule('c', 5, 1), // console
  rule('c', 5, 2), // ptmx
  rule('c', 136, -1), // pts/*
  rule('c', 10, 200), // net/tun
];

export const ALLOW_ALL: DeviceRule = rule('a', -1, -1);

const RULE_RE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** Parses a `--device-cgroup-rule` ("c 1:3 rwm", "b 7:* r", "a *:* m"), Docker's syntax. */
export function parseDeviceCgroupRule(text: string): DeviceRule {
  const m = RULE_RE.exec(text);
  if (!m || !validAccess(m[4] as string)) throw invalid(`invalid device cgroup rule '${text}': expected 'TYPE MAJOR:MINOR ACCESS' such as 'c 1:3 rwm' (TYPE a, b or c; MAJOR, MINOR a number or *; ACCESS of r, w, m)`);
  const num = (s: string) => (s === '*' ? -1 : Number(s));
  const major = num(m[2] as string);
  const minor = num(m[3] as string);
  if (major > 0x7fffffff || minor > 0x7fffffff) throw invalid(`invalid device cgroup rule '${text}': device number out of range`);
  return rule(m[1] as DeviceType, major, minor, m[4] as string);
}

function validAccess(a: string): boolean {
  return new Set(a).size === a.length && /^[rwm]+$/.test(a);
}

/** Checks `--device` permissions ("rwm" subset, default "rwm"). */
export function checkDevicePermissions(perms: string, device: string): void {
  if (perms === '' || !validAccess(perms)) throw invalid(`invalid device permissions '${perms}' for ${device}: use a combination of r, w and m`);
}

/** The v1 `devices.allow` line of a rule: "c 1:3 rwm". */
export function ruleLine(r: DeviceRule): string {
  const n = (x: number) => (x < 0 ? '*' : String(x));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/** Whether a rule allows `access` (one of r, w, m) on a device, as the kernel decides it. */
export function ruleAllows(r: DeviceRule, type: 'b' | 'c', major: number, minor: number, access: string): boolean {
  return (r.type === 'a' || r.type === type) && (r.major < 0 || r.major === major) && (r.minor < 0 || r.minor === minor) && [...access].every((a) => r.access.includes(a));
}
