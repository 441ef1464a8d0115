/**
 * Docker's default masked and read-only paths (moby oci/defaults.go): /proc and /sys entries
 * that expose the host (kernel memory, keys, timers, firmware) are masked, and the ones that
 * would let a container change the host kernel's settings are read-only. HostConfig.MaskedPaths
 * / ReadonlyPaths replace them (the docker CLI sends [] for `--security-opt
 * systempaths=unconfined`); --privileged has none.
 */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** What a container gets: the record's list when it has one, else the default (none if privileged). */
export function systemPaths(given: unknown, privileged: boolean, def: readonly string[]): string[] {
  if (privileged) return [];
  if (Array.isArray(given)) return given.filter((p): p is string => typeof p === 'string');
  return [...def];
}
