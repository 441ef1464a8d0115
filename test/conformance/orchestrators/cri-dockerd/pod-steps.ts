/**
 * "A pod with two containers and a port", as the kubelet drives it through cri-dockerd:
 * images (ImageStatus, PullImage), RunPodSandbox (pause container, resolv.conf rewrite, CNI
 * ADD on its netns), CreateContainer/StartContainer for two app containers, ListPodSandbox /
 * ListContainers / ContainerStatus with label filters, an ExecSync probe over the hijacked
 * exec stream, ContainerStats (one-shot stats, inspect with size), then StopContainer,
 * StopPodSandbox (CNI DEL), RemovePodSandbox. Each step cites the cri-dockerd line it replays.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { at, demux, goFilters, goHeaders, goQuery, goUpdateBody, type Reply, type Shape, type Step, type Vars } from '../replay';
import { BROKEN, CRASHER, SANDBOX_NAME, WEB, SIDECAR, appBody, containerName, sandboxBody, type AppContainer } from './pod-spec';
import { src } from './source';

export interface PodOptions {
  /** The local pause image (registry.k8s.io/pause:3.10 in a cluster). */
  pauseImage: string;
  /** The app image: repository (as FamiliarName gives it) and tag, in a registry berthd can pull from. */
  appRepo: string;
  appTag: string;
  hostPort: number;
  podDir: string;
  /** Local steps the test provides: the CNI plugin and the checks of the running pod. */
  cniAdd: (vars: Vars) => void | Promise<void>;
  cniDel: (vars: Vars) => void | Promise<void>;
  checkPod: (vars: Vars) => void | Promise<void>;
  /** Resolves once the container captured as {{key}} has exited. */
  waitExited: (key: string) => (vars: Vars) => Promise<void>;
  /** kubectl port-forward: nsenter -t PID -n into {{forwardPid}}'s netns, then port 80 on localhost. */
  portForward: (vars: Vars) => void | Promise<void>;
  /** After UpdateContainerResources: web's memory limit is 192 MiB. */
  checkResized: (vars: Vars) => void | Promise<void>;
}

const json = (r: Reply) => r.json as Record<string, unknown>;
const get = (name: string, source: string, why: string, path: string | ((v: Vars) => string), more: Partial<Step> = {}): Step =>
  ({ name, source, why, method: 'GET', path, headers: goHeaders(), status: 200, ...more }) as Step;

/** Fields ContainerStatus / PodSandboxStatus decode and parse (container_status.go:33, container_remove.go:80). */
const INSPECT_SHAPE: Shape = {
  Id: 'string', Created: 'time', Name: 'string', Image: 'string', LogPath: 'string', ResolvConfPath: 'string',
  State: { Running: 'bool', Pid: 'int', ExitCode: 'int', OOMKilled: 'bool', Error: 'string', StartedAt: 'time', FinishedAt: 'time' },
  Config: { Labels: { '*': 'string' }, Image: 'string' },
  HostConfig: { NetworkMode: 'string', IpcMode: 'string', PidMode: 'string', Runtime: 'string' },
  Mounts: [{ Source: 'string', Destination: 'string', RW: 'bool' }],
  NetworkSettings: { IPAddress: 'string', GlobalIPv6Address: 'string' },
};

/** Fields toRuntimeAPIContainer / containerToRuntimeAPISandbox read from a list entry (convert.go:196, :263). */
const LIST_SHAPE: Shape = [{ Id: 'string', Names: ['string'], Image: 'string', ImageID: 'string', Created: 'int', Status: 'string', Labels: { '*': 'string' } }];

function names(r: Reply): string[] {
  return (r.json as { Names: string[] }[]).map((c) => c.Names[0] ?? '');
}

function containerSteps(c: AppContainer, o: PodOptions): Step[] {
  const id = `{{${c.name}}}`;
  return [
    get(`${c.name}: inspect the sandbox for its runtime`, src('core/container_create.go:72'), 'CreateContainer reads the sandbox\'s HostConfig.Runtime and looks it up among /info Runtimes (:76-86)', '/v{{v}}/containers/{{sandbox}}/json', {
      shape: { HostConfig: { Runtime: 'string' } },
      check: (r, v) => assert.ok((v.runtimes ?? '').split(',').includes(at(r.json, 'HostConfig.Runtime') as string), `HostConfig.Runtime ${String(at(r.json, 'HostConfig.Runtime'))} is not among /info Runtimes (${v.runtimes})`),
      capture: { runtime: (r) => at(r.json, 'HostConfig.Runtime') },
    }),
    {
      name: `${c.name}: create in container:<sandbox> net and ipc`,
      source: src('core/container_create.go:196 → libdocker/kube_docker_client.go:145'),
      why: 'the app container joins the sandbox\'s network and IPC namespaces (security_context.go:246-247) with limits, caps, seccomp, masked paths and the kubelet\'s mounts',
      method: 'POST',
      path: `/v{{v}}/containers/create${goQuery({ name: containerName(c.name) })}`,
      headers: goHeaders({ body: 'json' }),
      body: (v: Vars) => appBody(c, `${o.appRepo}:${o.appTag}`, v.sandbox as string, v.runtime as string, o.podDir),
      status: 201,
      shape: { Id: 'string', Warnings: ['string'] },
      capture: { [c.name]: (r) => at(r.json, 'Id') },
    },
    {
      name: `${c.name}: start`,
      source: src('core/container_start.go:30 → libdocker/kube_docker_client.go:171'),
      why: 'StartContainer; a 204 with no body',
      method: 'POST',
      path: `/v{{v}}/containers/${id}/start`,
      headers: goHeaders({ method: 'POST' }),
      status: 204,
    },
    get(`${c.name}: inspect for the log path`, src('core/container_start.go:32 createContainerLogSymlink → core/logs.go:150'), 'links the kubelet\'s log path (Config.Labels io.kubernetes.container.logpath) to Docker\'s json-file LogPath', `/v{{v}}/containers/${id}/json`, {
      shape: { LogPath: 'string', Config: { Labels: { 'io.kubernetes.container.logpath': 'string' } } },
      capture: { [`${c.name}Log`]: (r) => at(r.json, 'LogPath') },
    }),
  ];
}

export function podSteps(o: PodOptions): Step[] {
  const appRef = `${o.appRepo}:${o.appTag}`;
  const sandboxFilter = (v: Vars) => goFilters({ label: ['io.kubernetes.docker.type=container', `io.kubernetes.sandbox.id=${v.sandbox}`] });
  return [
    // ---- images ----------------------------------------------------------------------------
    get('sandbox image present?', src('core/sandbox_run.go:50 ensureSandboxImageExists → core/sandbox_helpers.go:427 → libdocker/kube_docker_client.go:222'), 'the pause image is pulled only when the inspect says 404', `/v{{v}}/images/${o.pauseImage}/json`, {
      shape: { Id: 'string', RepoTags: ['string'], Config: { User: 'string' } },
    }),
    get('app image status (absent)', src('core/image.go:99 ImageStatus → libdocker/kube_docker_client.go:251'), 'a 404 is "not present" (dockerapi.IsErrNotFound → ImageNotFoundError), so the kubelet pulls', `/v{{v}}/images/${appRef}/json`, {
      status: 404,
      errorMatches: /No such image: /, // the 404 decides (IsErrNotFound); the text is only shown
    }),
    {
      name: 'pull the app image',
      source: src('core/image.go:150 PullImage → libdocker/kube_docker_client.go:405 → vendor/github.com/docker/docker/client/image_pull.go:28'),
      why: 'POST /images/create with X-Registry-Auth of an empty AuthConfig ("{}\\n" base64url); decodes JSONMessages until EOF, failing on msg.Error',
      method: 'POST',
      path: `/v{{v}}/images/create${goQuery({ fromImage: o.appRepo, tag: o.appTag })}`,
      headers: goHeaders({ method: 'POST', extra: [['X-Registry-Auth', 'e30K']] }),
      status: 200,
      decode: 'ndjson',
      timeoutMs: 120_000,
      check: (r) => {
        const msgs = r.json as Record<string, unknown>[];
        assert.ok(msgs.length > 0, 'no progress messages');
        for (const m of msgs) assert.equal(m.error ?? m.errorDetail, undefined, `in-band pull error: ${JSON.stringify(m)}`);
      },
    },
    get('app image ref', src('core/image.go:158 getImageRef → :206'), 'the ImageRef reported to the kubelet: a RepoDigest or the Id', `/v{{v}}/images/${appRef}/json`, {
      shape: { Id: 'string', RepoDigests: ['string'], RepoTags: ['string'], Size: 'int', Config: { User: 'string' } },
      capture: { appImageId: (r) => at(r.json, 'Id') },
    }),

    // ---- RunPodSandbox -------------------------------------------------------------------------
    {
      name: 'create the sandbox (pause)',
      source: src('core/sandbox_run.go:72 → core/sandbox_helpers.go:233 makeSandboxDockerConfig → libdocker/kube_docker_client.go:145'),
      why: 'the pod\'s namespaces holder: network none (CNI does the network), IPC shareable, the pod\'s host port as PortBindings, cgroup parent, sysctls, OOM adj -998',
      method: 'POST',
      path: `/v{{v}}/containers/create${goQuery({ name: SANDBOX_NAME })}`,
      headers: goHeaders({ body: 'json' }),
      body: sandboxBody(o.pauseImage, o.hostPort, 80),
      status: 201,
      shape: { Id: 'string', Warnings: ['string'] },
      capture: { sandbox: (r) => at(r.json, 'Id'), sandboxWarnings: (r) => JSON.stringify(at(r.json, 'Warnings')) },
    },
    {
      name: 'start the sandbox',
      source: src('core/sandbox_run.go:103 → libdocker/kube_docker_client.go:171'),
      why: 'StartContainer',
      method: 'POST',
      path: '/v{{v}}/containers/{{sandbox}}/start',
      headers: goHeaders({ method: 'POST' }),
      status: 204,
    },
    get('inspect the sandbox for ResolvConfPath', src('core/sandbox_run.go:119'), 'cri-dockerd rewrites the host file at ResolvConfPath with the pod\'s DNS config; every container of the pod must see that file', '/v{{v}}/containers/{{sandbox}}/json', {
      shape: INSPECT_SHAPE,
      check: (r) => {
        const j = json(r);
        assert.equal(at(j, 'HostConfig.NetworkMode'), 'none');
        assert.equal(at(j, 'HostConfig.IpcMode'), 'shareable');
        assert.equal(at(j, 'State.Running'), true);
      },
      capture: { resolvConf: (r) => at(r.json, 'ResolvConfPath') },
    }),
    { name: 'rewrite resolv.conf', source: src('core/sandbox_run.go:128 → core/sandbox_helpers.go:344 rewriteResolvFile'), why: 'O_TRUNC|O_WRONLY rewrite of the host file, not a new file: containers must share it', local: (v) => rewriteResolv(v.resolvConf as string) },
    get('inspect the sandbox for its netns', src('network/cni/cni.go:330 SetUpPod → core/sandbox_port_forward.go:109 GetNetNS → core/helpers_linux.go:92 getNetworkNamespace'), 'the CNI plugin gets /proc/<State.Pid>/ns/net', '/v{{v}}/containers/{{sandbox}}/json', {
      shape: { State: { Pid: 'int' } },
      check: (r) => assert.ok((at(r.json, 'State.Pid') as number) > 0, 'State.Pid must be the running sandbox\'s pid'),
      capture: { sandboxPid: (r) => at(r.json, 'State.Pid') },
    }),
    { name: 'CNI ADD (veth, address, portmap DNAT)', source: src('core/sandbox_run.go:163 ds.network.SetUpPod'), why: 'what the bridge and portmap plugins do for the pod', local: o.cniAdd },
    get('ListPodSandbox (ready)', src('core/sandbox_list.go:82 → libdocker/kube_docker_client.go:102'), 'label filter io.kubernetes.docker.type=podsandbox, all=false for SANDBOX_READY (:53); Names[0] parsed by parseSandboxName, Status "Up" prefix = ready', (v) => `/v${v.v}/containers/json${goQuery({ filters: goFilters({ label: ['io.kubernetes.docker.type=podsandbox'] }) })}`, {
      shape: LIST_SHAPE,
      check: (r) => {
        assert.deepEqual(names(r), [`/${SANDBOX_NAME}`]);
        assert.match((r.json as { Status: string }[])[0]?.Status ?? '', /^Up/);
      },
    }),
    get('PodSandboxStatus', src('core/sandbox_status.go:33 getPodSandboxDetails → core/sandbox_helpers.go:177'), 'State.Running → READY, Created as RFC3339Nano, HostConfig.Runtime → RuntimeHandler, the netns mode', '/v{{v}}/containers/{{sandbox}}/json', {
      shape: INSPECT_SHAPE,
      check: (r) => assert.equal(at(r.json, 'Name'), `/${SANDBOX_NAME}`),
    }),

    // ---- CreateContainer / StartContainer ----------------------------------------------------
    ...containerSteps(WEB, o),
    ...containerSteps(SIDECAR, o),

    // ---- status ---------------------------------------------------------------------------
    get('ListContainers of the pod', src('core/container_list.go:59'), 'all=1 with label filters type=container and sandbox.id; Status prefix "Up" → RUNNING (convert.go:241), Created is int64 seconds', (v) => `/v${v.v}/containers/json${goQuery({ all: '1', filters: sandboxFilter(v) })}`, {
      shape: LIST_SHAPE,
      check: (r) => {
        assert.deepEqual(names(r).sort(), [`/${containerName('sidecar')}`, `/${containerName('web')}`]);
        for (const c of r.json as { Status: string }[]) assert.match(c.Status, /^Up/);
      },
    }),
    get('ContainerStatus (web)', src('core/container_status.go:33'), 'Created/StartedAt/FinishedAt parsed with time.RFC3339Nano (container_remove.go:80); a zero FinishedAt must parse too', '/v{{v}}/containers/{{web}}/json', {
      shape: INSPECT_SHAPE,
      check: (r, v) => {
        const j = json(r);
        assert.equal(at(j, 'State.FinishedAt'), '0001-01-01T00:00:00Z');
        assert.equal(at(j, 'HostConfig.NetworkMode'), `container:${v.sandbox}`);
        assert.equal(at(j, 'HostConfig.IpcMode'), `container:${v.sandbox}`);
      },
      capture: { webImage: (r) => at(r.json, 'Image') },
    }),
    get('ContainerStatus: image by id', src('core/container_status.go:45 → libdocker/kube_docker_client.go:239'), 'InspectImageByID of the container\'s Image (a sha256: id)', '/v{{v}}/images/{{webImage}}/json', {
      shape: { Id: 'string', RepoTags: ['string'], RepoDigests: ['string'] },
    }),

    // ---- ExecSync probe -------------------------------------------------------------------
    ...execSteps('probe: sidecar fetches web over localhost', ['wget', '-q', '-O-', 'http://127.0.0.1:80/'], (out) => {
      assert.equal(out.exitCode, 0, out.stderr);
      assert.equal(out.stdout, 'pod-ok\n');
    }),
    ...execSteps('probe: the localhost seccomp profile denies mkdir', ['mkdir', '/tmp/denied'], (out) => {
      assert.notEqual(out.exitCode, 0, 'mkdir must fail under the profile');
      assert.match(out.stderr, /Operation not permitted/);
    }),
    ...execSteps('probe: the pod sysctl is set in the shared netns', ['cat', '/proc/sys/net/ipv4/ping_group_range'], (out) => {
      assert.equal(out.exitCode, 0, out.stderr);
      assert.equal(out.stdout.trim().split(/\s+/).join(' '), '0 2147483647');
    }),

    // ---- kubectl exec -it web (through cri-dockerd's streaming server) ------------------------
    {
      name: 'kubectl exec -it: create exec with a tty and stdin',
      source: src('core/exec.go:91 (stdin, stdout attached; no stderr with a tty) → libdocker/kube_docker_client.go:509'),
      why: 'an interactive exec: AttachStdin, Tty',
      method: 'POST',
      path: '/v{{v}}/containers/{{web}}/exec',
      headers: goHeaders({ body: 'json' }),
      body: { User: '', Privileged: false, Tty: true, AttachStdin: true, AttachStderr: false, AttachStdout: true, Detach: false, DetachKeys: '', Env: null, WorkingDir: '', Cmd: ['sh', '-c', 'read line; stty size; echo "$line from $(hostname)"; exit 3'] },
      status: 201,
      capture: { ttyExec: (r) => at(r.json, 'Id') },
    },
    {
      name: 'kubectl exec -it: start (hijacked, held open)',
      source: src('core/exec.go:142 → libdocker/kube_docker_client.go:541'),
      why: 'the raw tty stream stays open while the terminal is resized',
      method: 'POST',
      path: '/v{{v}}/exec/{{ttyExec}}/start',
      headers: goHeaders({ body: 'json', hijack: true }),
      body: { Detach: false, Tty: true },
      hijack: true,
      decode: 'raw',
      status: 101,
      hold: 'ttyExec',
    },
    {
      name: 'kubectl exec -it: resize the tty',
      source: src('core/exec.go:118 handleResizing → libdocker/kube_docker_client.go:605 → vendor/github.com/docker/docker/client/container_resize.go:22'),
      why: 'the terminal size from kubectl, as ?h=&w= (sorted)',
      method: 'POST',
      path: '/v{{v}}/exec/{{ttyExec}}/resize?h=40&w=100',
      headers: goHeaders({ method: 'POST' }),
      status: 200,
    },
    { name: 'kubectl exec -it: type a line', source: src('libdocker/kube_docker_client.go:668 holdHijackedConnection (stdin copied to the connection)'), why: 'the exec reads it after the resize', write: 'ttyExec', data: 'hello\n' },
    {
      name: 'kubectl exec -it: the session ends',
      source: src('libdocker/kube_docker_client.go:668 holdHijackedConnection (raw copy with a tty, no stdcopy)'),
      why: 'raw tty bytes, not stdcopy frames',
      join: 'ttyExec',
      status: 101,
      check: (r) => {
        const text = r.body.toString();
        assert.match(text, /40 100/, `stty size after the resize: ${JSON.stringify(text)}`);
        assert.match(text, /hello from web-pod/);
      },
    },
    get('kubectl exec -it: exit code', src('core/exec.go:161'), 'a non-zero ExitCode becomes kubectl\'s exit status (dockerExitError)', '/v{{v}}/exec/{{ttyExec}}/json', {
      shape: { Running: 'bool', ExitCode: 'int' },
      check: (r) => assert.deepEqual([at(r.json, 'Running'), at(r.json, 'ExitCode')], [false, 3]),
    }),

    // ---- kubectl attach sidecar (no stdin, no tty) ----------------------------------------
    {
      name: 'kubectl attach: the output stream',
      source: src('streaming/streaming.go:143 → libdocker/kube_docker_client.go:581 → vendor/github.com/docker/docker/client/container_attach.go:39-57'),
      why: 'POST attach?stderr=1&stdout=1&stream=1 hijacked (text/plain, empty body); new output arrives as stdcopy frames until kubectl lets go',
      method: 'POST',
      path: '/v{{v}}/containers/{{sidecar}}/attach?stderr=1&stdout=1&stream=1',
      headers: goHeaders({ method: 'POST', hijack: true, extra: [['Content-Type', 'text/plain']] }),
      hijack: true,
      decode: 'raw',
      status: 101,
      until: (b) => /tick\n/.test(safeDemux(b)),
      check: (r) => assert.match(demux(r.body.subarray(0, completeFrames(r.body))).stdout, /^(tick\n)+$/),
    },

    // ---- stats --------------------------------------------------------------------------------
    get('ContainerStats: the container by id', src('core/stats.go:172 → core/container_list.go:43 (id filter)'), 'exactly one container must match the id filter next to the type label, or "container with id ... not found"', (v) => `/v${v.v}/containers/json${goQuery({ all: '1', filters: goFilters({ id: [v.web as string], label: ['io.kubernetes.docker.type=container'] }) })}`, {
      shape: LIST_SHAPE,
      check: (r, v) => assert.deepEqual((r.json as { Id: string }[]).map((c) => c.Id), [v.web]),
    }),
    get('ContainerStats (one-shot)', src('core/stats_linux.go:30 → libdocker/kube_docker_client.go:624 → vendor/github.com/docker/docker/client/container_stats.go:32'), 'stream=0&one-shot=1 (url.Values sorts the keys); decodes one StatsResponse: cpu_stats.cpu_usage.total_usage and memory_stats.usage as uint64', '/v{{v}}/containers/{{web}}/stats?one-shot=1&stream=0', {
      decode: 'json',
      shape: { read: 'time', cpu_stats: { cpu_usage: { total_usage: 'uint' } }, memory_stats: { usage: 'uint' } },
      check: (r) => assert.ok((at(r.json, 'memory_stats.usage') as number) > 0, 'memory usage of a running container is not 0'),
    }),
    get('writable layer size', src('core/stats.go:73 → libdocker/kube_docker_client.go:131 (ContainerInspectWithRaw size=true)'), 'SizeRw must be present with size=1 (*SizeRw dereferenced at stats.go:87)', '/v{{v}}/containers/{{web}}/json?size=1', {
      shape: { SizeRw: 'int', SizeRootFs: 'int' },
      check: (r) => assert.ok((at(r.json, 'SizeRw') as number) > 0, 'web wrote /tmp/index.html: SizeRw > 0'),
    }),

    // ---- the running pod, from the outside ---------------------------------------------------
    { name: 'pod checks: shared namespaces, resolv.conf, localhost, host port, limits', source: 'kubelet/CNI expectations of a pod', why: 'what a Kubernetes pod must be, checked on the host', local: o.checkPod },

    // ---- kubectl port-forward pod/web-pod 8080:80 ------------------------------------------
    get('port-forward: the sandbox is running', src('core/sandbox_port_forward.go:99 → libdocker/helpers.go:186 CheckContainerStatus'), 'State.Running or "container not running"', '/v{{v}}/containers/{{sandbox}}/json', {
      check: (r) => assert.equal(at(r.json, 'State.Running'), true),
    }),
    get('port-forward: the sandbox\'s pid', src('streaming/streaming_others.go:36-45'), 'nsenter -t <State.Pid> -n socat - TCP4:localhost:<port>', '/v{{v}}/containers/{{sandbox}}/json', {
      shape: { State: { Pid: 'int', Running: 'bool' } },
      capture: { forwardPid: (r) => at(r.json, 'State.Pid') },
    }),
    { name: 'port-forward: a request through the sandbox\'s netns', source: src('streaming/streaming_others.go:50-70 (socat; busybox nc here, socat is not installed)'), why: 'kubectl port-forward reaches the pod\'s localhost:80 from the sandbox\'s network namespace', local: o.portForward },

    // ---- in-place resize, image listings --------------------------------------------------
    {
      name: 'UpdateContainerResources (web)',
      source: src('core/container_update_resources.go:31 → libdocker/kube_docker_client.go:209 → vendor/github.com/docker/docker/client/container_update.go:13'),
      why: 'in-place pod resize: every Resources field (zeros = unchanged) and a zero RestartPolicy that must not reset the policy',
      method: 'POST',
      path: '/v{{v}}/containers/{{web}}/update',
      headers: goHeaders({ body: 'json' }),
      body: goUpdateBody({ CpuShares: 512, Memory: 192 * 1024 * 1024, CpuPeriod: 100000, CpuQuota: 80000, MemorySwap: 192 * 1024 * 1024 }),
      status: 200,
      shape: { Warnings: '?array' },
    },
    get('the update took', src('core/container_status.go:33'), 'the new limits in inspect, the restart policy kept', '/v{{v}}/containers/{{web}}/json', {
      check: (r) => {
        assert.equal(at(r.json, 'HostConfig.Memory'), 192 * 1024 * 1024);
        assert.equal(at(r.json, 'HostConfig.CpuQuota'), 80000);
        assert.equal(at(r.json, 'HostConfig.RestartPolicy.Name'), 'no');
      },
    }),
    { name: 'the new memory limit is in the cgroup', source: 'kubelet in-place resize expectation', why: 'the running container\'s cgroup changed', local: o.checkResized },
    get('ListImages', src('core/image.go:73 → libdocker/kube_docker_client.go:273'), 'Id, RepoTags, RepoDigests, Size (uint64 in CRI) of every image', '/v{{v}}/images/json', {
      shape: [{ Id: 'string', RepoTags: '?array', RepoDigests: '?array', Size: 'int' }], // nil slices are null (a built image has no digest)
      check: (r, v) => assert.ok((r.json as { Id: string }[]).some((i) => i.Id === v.appImageId), 'the pulled image is listed'),
    }),
    get('ImageFsInfo', src('core/imagefs_linux.go:46'), 'all=1&shared-size=1 (API ≥ 1.42): sizes of all images for the image filesystem usage', '/v{{v}}/images/json?all=1&shared-size=1', {
      shape: [{ Id: 'string', Size: 'int', SharedSize: 'int' }],
    }),

    // ---- a crashing container and its restart; a container that cannot run -------------------
    ...crashSteps(o),

    // ---- StopContainer, StopPodSandbox, RemovePodSandbox -------------------------------------
    ...['web', 'sidecar'].map((n): Step => ({
      name: `stop ${n}`,
      source: src('core/container_stop.go:35 → libdocker/kube_docker_client.go:181 → vendor/github.com/docker/docker/client/container_stop.go:22'),
      why: 'the pod\'s terminationGracePeriodSeconds (30) as ?t=',
      method: 'POST',
      path: `/v{{v}}/containers/{{${n}}}/stop?t=30`,
      headers: goHeaders({ method: 'POST' }),
      status: 204,
    })),
    get('ContainerStatus after stop', src('core/container_status.go:84'), 'a non-zero FinishedAt → EXITED, ExitCode 0 → reason "Completed"', '/v{{v}}/containers/{{web}}/json', {
      shape: INSPECT_SHAPE,
      check: (r) => {
        assert.equal(at(r.json, 'State.Running'), false);
        assert.equal(at(r.json, 'State.ExitCode'), 0);
        assert.notEqual(at(r.json, 'State.FinishedAt'), '0001-01-01T00:00:00Z');
      },
    }),
    get('StopPodSandbox: inspect', src('core/sandbox_stop.go:45 getPodSandboxDetails'), 'name and namespace for the CNI teardown', '/v{{v}}/containers/{{sandbox}}/json', { shape: INSPECT_SHAPE }),
    get('CNI DEL: the netns', src('core/sandbox_stop.go:91 TearDownPod → network/cni/cni.go:371 → core/sandbox_port_forward.go:109 GetNetNS'), 'the plugin gets /proc/<State.Pid>/ns/net of the still running sandbox', '/v{{v}}/containers/{{sandbox}}/json', {
      check: (r) => assert.ok((at(r.json, 'State.Pid') as number) > 0),
    }),
    { name: 'CNI DEL', source: src('core/sandbox_stop.go:91 ds.network.TearDownPod'), why: 'the plugin removes the veth and the hostport rules', local: o.cniDel },
    {
      name: 'stop the sandbox',
      source: src('core/sandbox_stop.go:98 (defaultSandboxGracePeriod 10 s, sandbox_helpers.go:59)'),
      why: 'StopContainer(sandbox, 10s)',
      method: 'POST',
      path: '/v{{v}}/containers/{{sandbox}}/stop?t=10',
      headers: goHeaders({ method: 'POST' }),
      status: 204,
    },
    get('RemovePodSandbox: list the pod\'s containers', src('core/sandbox_remove.go:44'), 'all=1, label io.kubernetes.sandbox.id=<sandbox>; every container of the pod, whatever its state', (v) => `/v${v.v}/containers/json${goQuery({ all: '1', filters: goFilters({ label: [`io.kubernetes.sandbox.id=${v.sandbox}`] }) })}`, {
      shape: LIST_SHAPE,
      check: (r) => {
        const byName = Object.fromEntries((r.json as { Names: string[]; Status: string }[]).map((c) => [c.Names[0], c.Status]));
        assert.deepEqual(Object.keys(byName).sort(), [containerName('crasher', 1), containerName('sidecar'), containerName('web')].map((n) => `/${n}`).sort());
        assert.match(byName[`/${containerName('web')}`] ?? '', /^Exited \(0\) /);
        assert.match(byName[`/${containerName('sidecar')}`] ?? '', /^Exited \(0\) /);
        assert.match(byName[`/${containerName('crasher', 1)}`] ?? '', /^Exited \(2\) /);
      },
    }),
    ...['web', 'sidecar', 'crasher1'].flatMap(removeSteps),
    {
      name: 'remove the sandbox',
      source: src('core/sandbox_remove.go:58'),
      why: 'RemoveVolumes + Force',
      method: 'DELETE',
      path: '/v{{v}}/containers/{{sandbox}}?force=1&v=1',
      headers: goHeaders({ method: 'DELETE' }),
      status: 204,
    },
    get('the sandbox is gone', src('core/sandbox_stop.go:45 → libdocker/kube_docker_client.go:743 IsContainerNotFoundError'), 'a later StopPodSandbox must see "No such container: <id>" (the regex cri-dockerd matches) to fall back to its checkpoint', '/v{{v}}/containers/{{sandbox}}/json', {
      status: 404,
      errorMatches: /No such container: [0-9a-z]+/,
    }),
  ];
}

/** Removal as RemovePodSandbox / the kubelet's container GC does it: log path, then force remove. */
function removeSteps(n: string): Step[] {
  return [
    get(`remove ${n}: log path`, src('core/container_remove.go:38 removeContainerLogSymlink → core/logs.go:150'), 'finds the kubelet log symlink to remove', `/v{{v}}/containers/{{${n}}}/json`, { shape: { LogPath: 'string' } }),
    {
      name: `remove ${n}`,
      source: src('core/container_remove.go:50 → vendor/github.com/docker/docker/client/container_remove.go:12'),
      why: 'RemoveVolumes + Force: force=1&v=1 (sorted keys)',
      method: 'DELETE',
      path: `/v{{v}}/containers/{{${n}}}?force=1&v=1`,
      headers: goHeaders({ method: 'DELETE' }),
      status: 204,
    },
  ];
}

function createStart(c: AppContainer, o: PodOptions, key: string, attempt: number, startStatus: number, startError?: RegExp): Step[] {
  return [
    {
      name: `${key}: create (attempt ${attempt})`,
      source: src('core/container_create.go:196 (name attempt from core/naming.go:69)'),
      why: attempt > 0 ? 'the kubelet restarts a dead container as a new one with the next attempt number' : 'CreateContainer',
      method: 'POST',
      path: `/v{{v}}/containers/create${goQuery({ name: containerName(c.name, attempt) })}`,
      headers: goHeaders({ body: 'json' }),
      body: (v: Vars) => appBody(c, `${o.appRepo}:${o.appTag}`, v.sandbox as string, v.runtime as string, o.podDir, attempt),
      status: 201,
      capture: { [key]: (r) => at(r.json, 'Id') },
    },
    {
      name: `${key}: start`,
      source: src('core/container_start.go:30 (transformStartContainerError, :44)'),
      why: startError ? 'a command that does not exist: the start fails with the runtime\'s "no such file" text, which the kubelet shows as RunContainerError' : 'StartContainer',
      method: 'POST',
      path: `/v{{v}}/containers/{{${key}}}/start`,
      headers: goHeaders({ method: 'POST' }),
      status: startStatus,
      ...(startError ? { errorMatches: startError } : {}),
    },
  ];
}

function crashSteps(o: PodOptions): Step[] {
  const exitedFilter = (v: Vars) => goFilters({ label: ['io.kubernetes.docker.type=container', `io.kubernetes.sandbox.id=${v.sandbox}`], status: ['exited'] });
  return [
    ...createStart(CRASHER, o, 'crasher0', 0, 204),
    { name: 'crasher: exits (PLEG relist interval)', source: 'kubelet PLEG relists every second', why: 'wait until berthd says it exited', local: o.waitExited('crasher0') },
    get('ListContainers state=EXITED', src('core/container_list.go:46-47 (toDockerContainerStatus → status=exited)'), 'the status filter next to the label filters; Status "Exited (2) ..."', (v) => `/v${v.v}/containers/json${goQuery({ all: '1', filters: exitedFilter(v) })}`, {
      shape: LIST_SHAPE,
      check: (r) => {
        const list = r.json as { Names: string[]; Status: string }[];
        assert.deepEqual(list.map((c) => c.Names[0]), [`/${containerName('crasher')}`]);
        assert.match(list[0]?.Status ?? '', /^Exited \(2\) /);
      },
    }),
    get('ContainerStatus of the crash', src('core/container_status.go:84-95'), 'FinishedAt set and ExitCode 2 → EXITED, reason "Error"', '/v{{v}}/containers/{{crasher0}}/json', {
      shape: INSPECT_SHAPE,
      check: (r) => {
        assert.deepEqual([at(r.json, 'State.Running'), at(r.json, 'State.ExitCode')], [false, 2]);
        assert.notEqual(at(r.json, 'State.FinishedAt'), '0001-01-01T00:00:00Z');
      },
    }),
    get('the sandbox\'s runtime for attempt 1', src('core/container_create.go:72'), 'as for every create', '/v{{v}}/containers/{{sandbox}}/json', {}),
    ...createStart(CRASHER, o, 'crasher1', 1, 204),
    ...removeSteps('crasher0'),
    ...createStart(BROKEN, o, 'broken', 0, 400, /no such file or directory|executable file not found/),
    get('ContainerStatus of a container that could not run', src('core/container_status.go:96-105'), 'FinishedAt zero but ExitCode ≠ 0 → "ContainerCannotRun" with State.Error as the message', '/v{{v}}/containers/{{broken}}/json', {
      shape: INSPECT_SHAPE,
      check: (r) => {
        assert.equal(at(r.json, 'State.Running'), false);
        assert.equal(at(r.json, 'State.FinishedAt'), '0001-01-01T00:00:00Z');
        assert.equal(at(r.json, 'State.ExitCode'), 127);
        assert.match(at(r.json, 'State.Error') as string, /no such file or directory|executable file not found/);
      },
    }),
    ...removeSteps('broken'),
  ];
}

export interface ExecOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** ExecSync in the sidecar: core/exec.go:77 NativeExecHandler.ExecInContainer. */
function execSteps(name: string, cmd: string[], check: (out: ExecOutput) => void): Step[] {
  const key = `exec${name.replace(/[^a-z]/gi, '').slice(0, 24)}`;
  let streams = { stdout: '', stderr: '' };
  return [
    get(`${name}: inspect`, src('core/container_exec.go:40 ExecSync → streaming/streaming.go:82 → libdocker/helpers.go:186 CheckContainerStatus'), 'the exec target must be running', '/v{{v}}/containers/{{sidecar}}/json', {
      check: (r) => assert.equal(at(r.json, 'State.Running'), true),
    }),
    {
      name: `${name}: create exec`,
      source: src('core/exec.go:98 → libdocker/kube_docker_client.go:509'),
      why: 'ExecOptions with stdout and stderr attached, no stdin, no tty (every field, Go order)',
      method: 'POST',
      path: '/v{{v}}/containers/{{sidecar}}/exec',
      headers: goHeaders({ body: 'json' }),
      body: { User: '', Privileged: false, Tty: false, AttachStdin: false, AttachStderr: true, AttachStdout: true, Detach: false, DetachKeys: '', Env: null, WorkingDir: '', Cmd: cmd },
      status: 201,
      shape: { Id: 'string' },
      capture: { [key]: (r) => at(r.json, 'Id') },
    },
    {
      name: `${name}: start exec (hijacked)`,
      source: src('core/exec.go:142 → libdocker/kube_docker_client.go:541 ContainerExecAttach → vendor/github.com/docker/docker/client/hijack.go:50'),
      why: 'Connection: Upgrade / Upgrade: tcp; 101, then stdcopy frames until the process ends (holdHijackedConnection → StdCopy)',
      method: 'POST',
      path: `/v{{v}}/exec/{{${key}}}/start`,
      headers: goHeaders({ body: 'json', hijack: true }),
      body: { Detach: false, Tty: false },
      hijack: true,
      decode: 'raw',
      status: 101,
      expectHeaders: { upgrade: 'tcp' },
      check: (r) => {
        streams = demux(r.body);
      },
    },
    get(`${name}: inspect exec`, src('core/exec.go:161 → libdocker/kube_docker_client.go:568'), 'Running false and ExitCode decide the probe result (dockerExitError for non-zero)', `/v{{v}}/exec/{{${key}}}/json`, {
      shape: { Running: 'bool', ExitCode: 'int' },
      check: (r) => {
        assert.equal(at(r.json, 'Running'), false);
        check({ ...streams, exitCode: at(r.json, 'ExitCode') as number });
      },
    }),
  ];
}

/** stdout of the whole frames received so far (a stream cut mid-frame is fine). */
function safeDemux(b: Buffer): string {
  return demux(b.subarray(0, completeFrames(b))).stdout;
}

/** The length of the leading whole stdcopy frames of `b`. */
function completeFrames(b: Buffer): number {
  let off = 0;
  while (b.length - off >= 8 && b.length - off - 8 >= b.readUInt32BE(off + 4)) off += 8 + b.readUInt32BE(off + 4);
  return off;
}

/** rewriteResolvFile's content for the pod's DNS config (sandbox_helpers.go:360-374). */
export function resolvContent(): string {
  return ['nameserver 10.96.0.10', 'search default.svc.cluster.local svc.cluster.local cluster.local', 'options ndots:5'].join('\n') + '\n';
}

function rewriteResolv(file: string): void {
  fs.statSync(file); // "ResolvConfPath %q does not exist"
  const fd = fs.openSync(file, fs.constants.O_TRUNC | fs.constants.O_WRONLY);
  try {
    fs.writeSync(fd, resolvContent());
  } finally {
    fs.closeSync(fd);
  }
}
