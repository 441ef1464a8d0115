/**
 * HostConfig.Devices (`--device`), DeviceCgroupRules (`--device-cgroup-rule`) and Privileged
 * as the create request carries them: checked at create (a bad rule is a 400 then, not a
 * failed start later), and turned into the runtime's DevicePolicy at start. Pure.
 */
import { invalid } from '../errors';
import { checkDevicePermissions, parseDeviceCgroupRule, type DeviceMapping, type DevicePolicy } from '../runtime/device-rules';
import type { HostConfig } from './record';

/** Validates and normalises the device fields of a HostConfig in place. */
export function checkDeviceConfig(hc: HostConfig): void {
  const devices = hc.Devices;
  if (devices !== undefined && devices !== null) {
    if (!Array.isArray(devices)) throw invalid('invalid HostConfig.Devices: expected a list of {PathOnHost, PathInContainer, CgroupPermissions}');
    hc.Devices = devices.map((d: unknown) => deviceMapping(d));
  }
  const rules = hc.DeviceCgroupRules;
  if (rules !== undefined && rules !== null) {
    if (!Array.isArray(rules) || !rules.every((r) => typeof r === 'string')) throw invalid('invalid HostConfig.DeviceCgroupRules: expected a list of strings');
    for (const r of rules as string[]) parseDeviceCgroupRule(r);
  }
  if (hc.Privileged !== undefined && hc.Privileged !== null && typeof hc.Privileged !== 'boolean') throw invalid('invalid HostConfig.Privileged: expected a boolean');
}

function deviceMapping(d: unknown): DeviceMapping {
  const o = (d && typeof d === 'object' ? d : {}) as Record<string, unknown>;
  const host = o.PathOnHost;
  if (typeof host !== 'string' || !host.startsWith('/')) throw invalid(`invalid device ${JSON.stringify(host ?? d)}: the path on the host must be absolute`);
  const inContainer = o.PathInContainer === undefined || o.PathInContainer === null || o.PathInContainer === '' ? host : o.PathInContainer;
  if (typeof inContainer !== 'string' || !inContainer.startsWith('/')) throw invalid(`invalid device ${host}: the path in the container must be absolute`);
  const perms = o.CgroupPermissions === undefined || o.CgroupPermissions === null || o.CgroupPermissions === '' ? 'rwm' : o.CgroupPermissions;
  if (typeof perms !== 'string') throw invalid(`invalid device permissions for ${host}`);
  checkDevicePermissions(perms, host);
  return { PathOnHost: host, PathInContainer: inContainer, CgroupPermissions: perms };
}

/** The policy the runtime applies at start (fields were checked at create). */
export function devicePolicyOf(hc: HostConfig): DevicePolicy {
  return {
    mappings: Array.isArray(hc.Devices) ? (hc.Devices as DeviceMapping[]) : [],
    rules: Array.isArray(hc.DeviceCgroupRules) ? (hc.DeviceCgroupRules as string[]) : [],
    privileged: hc.Privileged === true,
  };
}
