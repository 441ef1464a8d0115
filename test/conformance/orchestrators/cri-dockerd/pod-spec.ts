/**
 * The pod the kubelet asks for, and the Docker create bodies cri-dockerd turns it into:
 * `web` (a busybox httpd on port 80, published as a host port through the sandbox) and
 * `sidecar` (limits, capabilities, a localhost seccomp profile), in a sandbox with a sysctl,
 * a cgroup parent and a DNS config. Every value below is what the cited cri-dockerd code puts
 * in the body for this pod (labels from makeLabels, names from naming.go, limits from
 * helpers_linux.go updateCreateConfig, security from security_context.go).
 */
import { goCreateBody } from '../replay';

export const POD = { name: 'web-pod', namespace: 'default', uid: '6c1a0f3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f', attempt: 0, hostname: 'web-pod' };
export const SANDBOX_NAME = `k8s_POD_${POD.name}_${POD.namespace}_${POD.uid}_${POD.attempt}`; // core/naming.go:58
export const containerName = (c: string, attempt = 0): string => `k8s_${c}_${POD.name}_${POD.namespace}_${POD.uid}_${attempt}`; // core/naming.go:69

/** kubelet's pod cgroup for a burstable pod with the cgroupfs driver (cgroup_manager_linux.go). */
export const CGROUP_PARENT = `/kubepods/burstable/pod${POD.uid}`;
/** A namespaced sysctl from the pod's securityContext.sysctls (→ HostConfig.Sysctls, sandbox_helpers.go:207). */
export const SYSCTL = { 'net.ipv4.ping_group_range': '0 2147483647' };
export const DNS = { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] };
/** kubelet's default masked and read-only paths (pkg/securitycontext), sent for every non-privileged container. */
export const MASKED = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
export const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
/** A localhost seccomp profile (OCI LinuxSeccomp, as getSeccompDockerOpts re-encodes it compactly): mkdir fails with EPERM. */
export const SECCOMP_PROFILE = '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}';

const podLabels = {
  app: 'web',
  'io.kubernetes.pod.name': POD.name,
  'io.kubernetes.pod.namespace': POD.namespace,
  'io.kubernetes.pod.uid': POD.uid,
};

/** core/sandbox_helpers.go:233 makeSandboxDockerConfig, kube_docker_client.go:151 (ShmSize default). */
export function sandboxBody(image: string, hostPort: number, podPort: number): Record<string, unknown> {
  const port = `${podPort}/tcp`;
  return goCreateBody(
    {
      Hostname: POD.hostname,
      ExposedPorts: { [port]: {} },
      Image: image,
      Labels: {
        ...podLabels,
        'annotation.kubernetes.io/config.seen': '2026-12-04T21:00:00.000000000Z',
        'annotation.kubernetes.io/config.source': 'api',
        'io.kubernetes.container.name': 'POD',
        'io.kubernetes.docker.type': 'podsandbox',
      },
    },
    {
      NetworkMode: 'none', // CNI: modifyHostOptionsForSandbox, security_context.go:233
      PortBindings: { [port]: [{ HostIp: '', HostPort: String(hostPort) }] }, // libdocker/helpers.go:303
      IpcMode: 'shareable', // sandbox_helpers.go:245
      OomScoreAdj: -998, // sandbox_helpers.go:267
      SecurityOpt: ['no-new-privileges'], // security_context_linux.go:37
      ShmSize: 64 * 1024 * 1024, // kube_docker_client.go:152
      Sysctls: SYSCTL,
      CpuShares: 2, // applySandboxResources, sandbox_helpers.go:215
      CgroupParent: CGROUP_PARENT,
      MemorySwap: 0,
    },
  );
}

export interface AppContainer {
  name: string;
  command: string[];
  env: string[];
  resources: { Memory: number; CpuShares: number; CpuQuota: number; CpuPeriod: number; OomScoreAdj: number };
  capAdd: string[] | null;
  capDrop: string[] | null;
  securityOpt: string[];
}

export const WEB: AppContainer = {
  name: 'web',
  // trap: PID 1 in its own pid namespace ignores TERM without a handler
  command: ['/bin/sh', '-c', "trap 'exit 0' TERM; echo pod-ok > /tmp/index.html; httpd -f -p 80 -h /tmp & wait"],
  env: ['KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'KUBERNETES_PORT=tcp://10.96.0.1:443'],
  resources: { Memory: 128 * 1024 * 1024, CpuShares: 256, CpuQuota: 50000, CpuPeriod: 100000, OomScoreAdj: 968 },
  capAdd: ['NET_BIND_SERVICE'],
  capDrop: ['ALL'],
  // RuntimeDefault seccomp: no seccomp option (security_context.go:262); allowPrivilegeEscalation: false
  securityOpt: ['no-new-privileges'],
};

export const SIDECAR: AppContainer = {
  name: 'sidecar',
  command: ['/bin/sh', '-c', "trap 'exit 0' TERM; echo sidecar-started; while :; do echo tick; sleep 1 & wait; done"],
  env: ['KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'KUBERNETES_PORT=tcp://10.96.0.1:443'],
  resources: { Memory: 64 * 1024 * 1024, CpuShares: 102, CpuQuota: 20000, CpuPeriod: 100000, OomScoreAdj: 984 },
  capAdd: null,
  capDrop: ['NET_RAW'],
  // Localhost profile: "seccomp=<compact JSON>" (security_context.go:322, FmtDockerOpts)
  securityOpt: [`seccomp=${SECCOMP_PROFILE}`],
};

/** A container that exits 2 (restartPolicy: Always makes the kubelet create attempt 1). */
export const CRASHER: AppContainer = {
  name: 'crasher',
  command: ['/bin/sh', '-c', 'echo crashing; exit 2'],
  env: [],
  resources: { Memory: 32 * 1024 * 1024, CpuShares: 2, CpuQuota: 0, CpuPeriod: 100000, OomScoreAdj: 1000 },
  capAdd: null,
  capDrop: null,
  securityOpt: ['seccomp=unconfined'], // seccompProfile Unconfined (security_context.go:257, defaultSeccompOpt)
};

/** A container whose command does not exist (a typo in the pod spec). */
export const BROKEN: AppContainer = { ...CRASHER, name: 'broken', command: ['/no/such/binary'] };

/**
 * core/container_create.go:91 (Config, HostConfig with Mounts, RestartPolicy "no", the
 * sandbox's Runtime), helpers_linux.go:47 (limits, Memory = MemorySwap, OomScoreAdj),
 * security_context.go:130 (caps, masked paths), :240 (net/ipc `container:<sandbox>`),
 * container_create.go:189 (seccomp), kube_docker_client.go:152 (ShmSize).
 */
export function appBody(c: AppContainer, image: string, sandboxId: string, runtime: string, podDir: string, attempt = 0): Record<string, unknown> {
  return goCreateBody(
    {
      Env: c.env,
      Healthcheck: { Test: ['NONE'] },
      Image: image,
      WorkingDir: '',
      Entrypoint: c.command,
      Labels: {
        ...podLabels,
        'annotation.io.kubernetes.container.hash': '8c1d3b2a',
        'annotation.io.kubernetes.container.restartCount': String(attempt),
        'annotation.io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
        'annotation.io.kubernetes.container.terminationMessagePolicy': 'File',
        'annotation.io.kubernetes.pod.terminationGracePeriod': '30',
        'io.kubernetes.container.logpath': `/var/log/pods/${POD.namespace}_${POD.name}_${POD.uid}/${c.name}/${attempt}.log`,
        'io.kubernetes.container.name': c.name,
        'io.kubernetes.docker.type': 'container',
        'io.kubernetes.sandbox.id': sandboxId,
      },
    },
    {
      NetworkMode: `container:${sandboxId}`,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      CapAdd: c.capAdd,
      CapDrop: c.capDrop,
      IpcMode: `container:${sandboxId}`,
      OomScoreAdj: c.resources.OomScoreAdj,
      SecurityOpt: c.securityOpt,
      ShmSize: 64 * 1024 * 1024,
      Runtime: runtime,
      CpuShares: c.resources.CpuShares,
      Memory: c.resources.Memory,
      CgroupParent: CGROUP_PARENT,
      CpuPeriod: c.resources.CpuPeriod,
      CpuQuota: c.resources.CpuQuota,
      Devices: [],
      MemorySwap: c.resources.Memory,
      Mounts: [
        // the kubelet's pod /etc/hosts and the termination log (GenerateMountBindings, libdocker/helpers.go:238)
        { Type: 'bind', Source: `${podDir}/etc-hosts`, Target: '/etc/hosts', BindOptions: { CreateMountpoint: true } },
        { Type: 'bind', Source: `${podDir}/containers/${c.name}/termination-log`, Target: '/dev/termination-log', BindOptions: { CreateMountpoint: true } },
      ],
      MaskedPaths: MASKED,
      ReadonlyPaths: READONLY,
    },
  );
}
