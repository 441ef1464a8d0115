/**
 * native/ffi: the daemon's only kernel calls (mounts, and posix_spawn for the helper; mknod and
 * xattrs for layers are in fsops.ts). Only daemon/runtime/ and daemon/layers/ import these.
 */
export type { Syscalls, OverlayOptions } from './syscalls';
export { overlayData, MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC } from './syscalls';
export { SyscallError, errnoError, errnoName } from './errno';
export { KoffiSyscalls } from './mounts';
export { RecordingSyscalls } from './fake';
export { posixSpawn, SpawnError, type SpawnedChild, type SpawnExit, type StdioKind } from './spawn';
export { KoffiDeviceBpf, RecordingDeviceBpf, type DeviceBpf } from './bpf';
