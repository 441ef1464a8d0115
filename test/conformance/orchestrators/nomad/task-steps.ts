/**
 * One Nomad task's life through the docker driver, as steps: StartTask (driver.go:330-494:
 * info, image, version, create, find by name, start, inspect, then the docker_logger plugin's
 * follow and the handle's held wait), TaskStats (stats.go:132-160), a script check's exec
 * (handle.go:84-126), StopTask (handle.go:161-228), the handle's exit path (handle.go:281-353),
 * DestroyTask (driver.go:1780-1828) and the image GC (coordinator.go:322-372).
 *
 * Variables: `key` names a task's captures ({{<key>Id}}, {{<key>Pid}}, {{<key>LogPath}}) and its
 * held requests (<key>-logs, <key>-wait); {{v}}, {{image}}, {{imageRepo}}, {{imageTag}},
 * {{allocId}}, {{cgroupDriver}} come from the fingerprint and the test.
 */
import * as assert from 'node:assert/strict';
import { at, demux, goQuery, progressErrors, type Reply, type Shape, type Step, type Vars } from '../replay';
import { INSPECT, PULL_MESSAGE, STATS, SUMMARY, portMapErrors } from './shapes';
import { containerName, taskCreateBody, type TaskSpec } from './job';
import { nomadHeaders, src } from './source';

type Obj = Record<string, unknown>;
const obj = (r: Reply): Obj => r.json as Obj;

/** What Nomad puts in X-Registry-Auth for a task's `auth { username  password }` (utils.go:233-245). */
export function nomadRegistryAuth(username: string, password: string): string {
  // json.Marshal of registry.AuthConfig{Username, Password} (omitempty), then base64.URLEncoding (padded).
  return Buffer.from(JSON.stringify({ username, password })).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** The coordinator's pull of an image Nomad does not have (or whose tag is "latest"), then its inspect. */
export function pullSteps(imageVar: string, repoVar: string, tagVar: string, idVar: string, authVar?: string): Step[] {
  return [
    {
      name: `pull {{${imageVar}}}${authVar ? ' with the task\'s auth' : ''}`,
      source: src('drivers/docker/coordinator.go:207-208', 'client/image_pull.go:31') + (authVar ? ', nomad drivers/docker/utils.go:121-141, :233-245 encodeAuth' : ''),
      why: 'fromImage = the normalized name, tag = the tag; progress.go:260-285 unmarshals each line and fails on errorDetail'
        + (authVar ? '; X-Registry-Auth = base64url(JSON {username, password})' : ''),
      method: 'POST',
      path: (vars) => `/v${vars.v}/images/create${goQuery({ fromImage: vars[repoVar], tag: vars[tagVar] })}`,
      headers: nomadHeaders({ method: 'POST', ...(authVar ? { extra: [['X-Registry-Auth', `{{${authVar}}}`]] as [string, string][] } : {}) }),
      status: 200,
      decode: 'ndjson',
      timeoutMs: 120_000,
      shape: [PULL_MESSAGE],
      check: (r) => {
        assert.ok(r.body.toString().endsWith('\n'), 'the progress stream must end its last line with \\n (progress.go:265 splits at newlines)');
        const msgs = r.json as Obj[];
        assert.deepEqual(progressErrors(msgs), [], 'in-band pull errors');
        const last = msgs[msgs.length - 1];
        assert.match(String(last?.status), /^(Status: Downloaded newer image for|Status: Image is up to date for)/);
      },
    },
    {
      name: `inspect the pulled image`,
      source: src('drivers/docker/coordinator.go:232', 'client/image_inspect.go:13'),
      why: 'the image id is reference-counted for the GC; Config.User is checked (driver.go:374)',
      method: 'GET',
      path: `/v{{v}}/images/{{${imageVar}}}/json`,
      headers: nomadHeaders(),
      status: 200,
      shape: { Id: 'string', RepoTags: ['string'], Config: { User: 'string' } },
      capture: { [idVar]: (r) => obj(r).Id },
    },
  ];
}

/** StartTask for a task whose image is already known (pullSteps ran). */
export function startTaskSteps(t: TaskSpec, key: string, opts: { networkMode: string; hostsFile?: string; firstTask: boolean }): Step[] {
  const name = (vars: Vars): string => containerName(t, vars);
  const id = `${key}Id`;
  const steps: Step[] = [
    {
      name: `${t.name}: info`,
      source: src('drivers/docker/driver.go:358', 'client/system_info.go:23'),
      why: 'CgroupDriver is kept in the handle to find the container\'s cgroup (handle.go:264-279)',
      method: 'GET',
      path: '/v{{v}}/info',
      headers: nomadHeaders(),
      status: 200,
      check: (r, vars) => assert.equal(obj(r).CgroupDriver, vars.cgroupDriver),
    },
    {
      name: `${t.name}: server version (capabilities)`,
      source: src('drivers/docker/driver.go:1222', 'client/version.go:56'),
      why: 'capabilities.DockerDefaults(version) is the basis of the cap_add/cap_drop delta',
      method: 'GET',
      path: '/v{{v}}/version',
      headers: nomadHeaders(),
      status: 200,
      shape: { Version: 'string', ApiVersion: 'string', Os: 'string' },
    },
    {
      name: `${t.name}: create`,
      source: src('drivers/docker/driver.go:514', 'client/container_create.go:18'),
      why: 'the body createContainerConfig built (job.ts); a 409 would make Nomad purge and retry, a 404 is recoverable',
      method: 'POST',
      path: (vars) => `/v${vars.v}/containers/create${goQuery({ name: name(vars) })}`,
      headers: nomadHeaders({ body: 'json' }),
      body: (vars: Vars) => taskCreateBody(t, vars, opts.networkMode.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? ''), opts.hostsFile),
      status: 201,
      shape: { Id: 'string', Warnings: ['string'] },
    },
    {
      name: `${t.name}: list all containers (find by name)`,
      source: src('drivers/docker/driver.go:1690 (containerByName, createContainer :519)', 'client/container_list.go:40'),
      why: 'Nomad does not use the create answer: it looks for "/" + name among every Names entry',
      method: 'GET',
      path: `/v{{v}}/containers/json${goQuery({ all: '1' })}`,
      headers: nomadHeaders(),
      status: 200,
      shape: [SUMMARY],
      check: (r, vars) => {
        const found = (r.json as { Names: string[] }[]).filter((c) => c.Names.includes('/' + name(vars)));
        assert.equal(found.length, 1, `Names with "/${name(vars)}"`);
        vars[id] = (found[0] as unknown as { Id: string }).Id;
      },
    },
    {
      name: `${t.name}: inspect the created container`,
      source: src('drivers/docker/driver.go:1720', 'client/container_inspect.go:30'),
      why: 'State.Running decides whether StartTask starts it (driver.go:406)',
      method: 'GET',
      path: `/v{{v}}/containers/{{${id}}}/json`,
      headers: nomadHeaders(),
      status: 200,
      shape: INSPECT,
      check: (r) => assert.equal(at(r.json, 'State.Running'), false),
    },
    {
      name: `${t.name}: start`,
      source: src('drivers/docker/driver.go:599', 'client/container_start.go:20'),
      why: 'no query, no body; a 409 counts as started (driver.go:600)',
      method: 'POST',
      path: `/v{{v}}/containers/{{${id}}}/start`,
      headers: nomadHeaders({ method: 'POST' }),
      status: 204,
    },
    {
      name: `${t.name}: inspect the started container`,
      source: src('drivers/docker/driver.go:425', 'client/container_inspect.go:30'),
      why: 'networking is read after start (detectIP, driver.go:1639); Config.Tty picks the log framing; Image is kept for the GC',
      method: 'GET',
      path: `/v{{v}}/containers/{{${id}}}/json`,
      headers: nomadHeaders(),
      status: 200,
      shape: INSPECT,
      check: (r, vars) => {
        assert.equal(at(r.json, 'State.Running'), true);
        assert.equal(at(r.json, 'Config.Tty'), false);
        assert.match(String(at(r.json, 'Image')), /^sha256:[0-9a-f]{64}$/);
        assert.deepEqual(portMapErrors(r.json), [], 'port maps the Go decoder reads');
        if (t.port && !opts.networkMode.startsWith('container:')) {
          for (const proto of ['tcp', 'udp']) {
            assert.deepEqual(at(r.json, `NetworkSettings.Ports.${t.port.to}/${proto}`), [{ HostIp: vars.hostIp, HostPort: vars.hostPort }], `NetworkSettings.Ports ${t.port.to}/${proto}`);
          }
        }
        // json-file: the file Docker writes; logging none: no file, an empty LogPath (as dockerd).
        if (t.logging?.Type === 'none') assert.equal(at(r.json, 'LogPath'), '', 'LogPath of a container logging to none');
        else assert.match(String(at(r.json, 'LogPath')), /^\/.*-json\.log$/, 'LogPath');
        vars[`${key}LogPath`] = String(at(r.json, 'LogPath'));
      },
      capture: { [`${key}Pid`]: (r) => at(r.json, 'State.Pid'), [`${key}Image`]: (r) => at(r.json, 'Image') },
    },
    {
      name: `${t.name}: docker_logger plugin connects (its own client)`,
      source: src('drivers/docker/docklog/docker_logger.go:78 → :106', 'client/ping.go:108'),
      why: 'the logger runs as a separate plugin process with a new client, which negotiates again',
      method: 'HEAD',
      path: '/_ping',
      headers: nomadHeaders({ method: 'HEAD' }),
      status: 200,
    },
  ];
  steps.push(t.logging?.Type === 'none' ? logsRefused(t, id) : followLogs(t.name, key, id));
  if (opts.firstTask) {
    steps.push({
      name: 'the long-operations client connects',
      source: src('drivers/docker/driver.go:364 getInfinityClient → handle.go:290', 'client/ping.go:108'),
      why: 'the client without timeout (wait, stop) is a second client and negotiates on its first request',
      method: 'HEAD',
      path: '/_ping',
      headers: nomadHeaders({ method: 'HEAD' }),
      status: 200,
    });
  }
  steps.push({
    name: `${t.name}: wait until not running (held)`,
    source: src('drivers/docker/handle.go:290-294', 'client/container_wait.go:41'),
    why: 'the handle blocks here for the task\'s whole life; the answer is decoded as WaitResponse{StatusCode, Error}',
    method: 'POST',
    path: `/v{{v}}/containers/{{${id}}}/wait${goQuery({ condition: 'not-running' })}`,
    headers: nomadHeaders({ method: 'POST' }),
    status: 200,
    decode: 'json',
    hold: `${key}-wait`,
    timeoutMs: 120_000,
  });
  return steps;
}

/** The docker_logger's follow from the epoch, held until the container stops. */
function followLogs(task: string, key: string, id: string): Step {
  return {
    name: `${task}: follow the logs from the epoch`,
    source: src('drivers/docker/docklog/docker_logger.go:99-106 (since = time.Unix(0,0) as RFC3339, driver.go:442)', 'client/container_logs.go:58') + ', client/internal/timestamp/timestamp.go:95',
    why: 'the client turns the RFC3339 epoch into "0.000000000"; the stream is copied through stdcopy.StdCopy until the container stops',
    method: 'GET',
    path: `/v{{v}}/containers/{{${id}}}/logs${goQuery({ follow: '1', since: '0.000000000', stderr: '1', stdout: '1' })}`,
    headers: nomadHeaders(),
    status: 200,
    decode: 'raw',
    hold: `${key}-logs`,
    timeoutMs: 120_000,
  };
}

/**
 * With logging type "none" the daemon cannot read logs: the logger gives up at once when the
 * error text says so (isLoggingTerminalError, docker_logger.go:251-268), else it retries forever.
 */
function logsRefused(t: TaskSpec, id: string): Step {
  return {
    name: `${t.name}: follow the logs of a container logging to "none"`,
    source: src('drivers/docker/docklog/docker_logger.go:106-114', 'client/container_logs.go:58'),
    why: 'the error must contain "configured logging driver does not support reading" or "not implemented" (lower-cased match)',
    method: 'GET',
    path: `/v{{v}}/containers/{{${id}}}/logs${goQuery({ follow: '1', since: '0.000000000', stderr: '1', stdout: '1' })}`,
    headers: nomadHeaders(),
    status: 501,
    errorMatches: /configured logging driver does not support reading|not implemented/i,
  };
}

/**
 * The dangling-container reconciler's scan (every 5 min by default): running containers, no
 * filter; a container it does not track, created before the grace period, that looks like
 * Nomad's (the alloc label, or /alloc /local /secrets mounts and a "<task>-<uuid>" name) is
 * force-removed. Here the tracked task must look like Nomad's, with a sane Created.
 */
export function danglingScanStep(key: string): Step {
  return {
    name: 'dangling-container reconciler: list running containers',
    source: src('drivers/docker/reconcile_dangling.go:145-169, :187-224', 'client/container_list.go:40'),
    why: 'reads Id, Created (unix seconds, compared with the creation grace), Labels, Mounts[].Destination and Names',
    method: 'GET',
    path: '/v{{v}}/containers/json',
    headers: nomadHeaders(),
    status: 200,
    shape: [SUMMARY],
    check: (r, vars) => {
      const c = (r.json as { Id: string; Created: number; Labels: Record<string, string>; Mounts: { Destination: string }[]; Names: string[] }[]).find((x) => x.Id === vars[`${key}Id`]);
      assert.ok(c, 'the running task is listed');
      const now = Date.now() / 1000;
      assert.ok(c.Created <= now + 1 && c.Created > now - 3600, `Created ${c.Created} is unix seconds of the creation`);
      assert.equal(c.Labels['com.hashicorp.nomad.alloc_id'], vars.allocId);
      for (const p of ['/alloc', '/local', '/secrets']) assert.ok(c.Mounts.some((m) => m.Destination === p), `mount ${p} listed`);
      assert.ok(c.Names.some((n) => /\/.*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.test(n)), 'a name nomadContainerNamePattern matches');
    },
  };
}

/**
 * RecoverTask after the Nomad client restarted and its docker_logger plugin died with it
 * (driver.go:243-318): info, inspect by the stored id, a new logger that follows from now
 * (setupNewDockerLogger(container, cfg, time.Now()), driver.go:294: since = now in RFC3339,
 * whole seconds), and a new handle whose wait is held again. The first client's connections
 * stay open here (a dead Nomad would have closed them) and are joined by the exit steps.
 */
export function recoverTaskSteps(t: TaskSpec, key: string): Step[] {
  const id = `{{${key}Id}}`;
  return [
    {
      name: 'the restarted Nomad client connects',
      source: src('drivers/docker/driver.go:253', 'client/ping.go:108'),
      why: 'a new plugin process, a new client: it negotiates again',
      method: 'HEAD',
      path: '/_ping',
      headers: nomadHeaders({ method: 'HEAD' }),
      status: 200,
    },
    {
      name: `${t.name}: recover: info`,
      source: src('drivers/docker/driver.go:258', 'client/system_info.go:23'),
      why: 'CgroupDriver for the recovered handle',
      method: 'GET',
      path: '/v{{v}}/info',
      headers: nomadHeaders(),
      status: 200,
      check: (r, vars) => assert.equal(obj(r).CgroupDriver, vars.cgroupDriver),
    },
    {
      name: `${t.name}: recover: inspect the stored container id`,
      source: src('drivers/docker/driver.go:268-287', 'client/container_inspect.go:30'),
      why: 'the id from the task handle\'s state; HostConfig.Cgroup and Image are kept in the new handle',
      method: 'GET',
      path: `/v{{v}}/containers/${id}/json`,
      headers: nomadHeaders(),
      status: 200,
      shape: { ...(INSPECT as Record<string, Shape>), HostConfig: { Cgroup: 'string' } },
      check: (r, vars) => {
        assert.equal(at(r.json, 'State.Running'), true);
        assert.equal(at(r.json, 'Image'), vars[`${key}Image`]);
        // The new logger follows from this second on (RFC3339 has no fraction: %d.%09d of whole seconds).
        vars[`${key}RecoverSince`] = `${Math.floor(Date.now() / 1000)}.000000000`;
      },
    },
    {
      name: `${t.name}: recover: the new docker_logger connects`,
      source: src('drivers/docker/driver.go:294 setupNewDockerLogger → docklog/docker_logger.go:78', 'client/ping.go:108'),
      why: 'a new logger plugin process, a new client',
      method: 'HEAD',
      path: '/_ping',
      headers: nomadHeaders({ method: 'HEAD' }),
      status: 200,
    },
    {
      name: `${t.name}: recover: follow the logs from now`,
      source: src('drivers/docker/docklog/docker_logger.go:95-106 (StartTime = time.Now().Unix())', 'client/container_logs.go:58'),
      why: 'only what the task writes from now on; the daemon filters by each entry\'s time',
      method: 'GET',
      path: (vars) => `/v${vars.v}/containers/${vars[`${key}Id`]}/logs${goQuery({ follow: '1', since: vars[`${key}RecoverSince`], stderr: '1', stdout: '1' })}`,
      headers: nomadHeaders(),
      status: 200,
      decode: 'raw',
      hold: `${key}-logs2`,
      timeoutMs: 120_000,
    },
    {
      name: 'the restarted client\'s long-operations client connects',
      source: src('drivers/docker/driver.go:263 → handle.go:290', 'client/ping.go:108'),
      why: 'its first request is the wait',
      method: 'HEAD',
      path: '/_ping',
      headers: nomadHeaders({ method: 'HEAD' }),
      status: 200,
    },
    {
      name: `${t.name}: recover: wait until not running (held)`,
      source: src('drivers/docker/driver.go:315 → handle.go:290-294', 'client/container_wait.go:41'),
      why: 'the recovered handle blocks here',
      method: 'POST',
      path: `/v{{v}}/containers/${id}/wait${goQuery({ condition: 'not-running' })}`,
      headers: nomadHeaders({ method: 'POST' }),
      status: 200,
      decode: 'json',
      hold: `${key}-wait2`,
      timeoutMs: 120_000,
    },
  ];
}

/** The recovered handle's wait and logger end with the task (joined after exitSteps). */
export function recoveredExitSteps(t: TaskSpec, key: string, exitCode: number, checkLogs: (stdout: string, stderr: string) => void): Step[] {
  return [
    {
      name: `${t.name}: the recovered handle's wait answers`,
      source: src('drivers/docker/handle.go:296-303', 'client/container_wait.go:66-82'),
      why: 'two waiters on one container: both answer',
      join: `${key}-wait2`,
      status: 200,
      shape: { StatusCode: 'int', Error: '?object' },
      check: (r) => assert.equal(obj(r).StatusCode, exitCode),
    },
    {
      name: `${t.name}: the new logger's stream (from the recovery on) ends`,
      source: src('drivers/docker/docklog/docker_logger.go:125-133', 'api/pkg/stdcopy StdCopy'),
      why: 'since = the recovery second: nothing older',
      join: `${key}-logs2`,
      status: 200,
      check: (r) => {
        assert.equal(r.cutShort, false);
        const { stdout, stderr } = demux(r.body);
        checkLogs(stdout, stderr);
      },
    },
  ];
}

/** TaskStats: one stats?stream=false per collection interval (IncludePreviousSample: no one-shot). */
export function statsSteps(key: string, rounds: number, memoryLimit: number): Step[] {
  return Array.from({ length: rounds }, (_, i): Step => ({
    name: `stats, round ${i + 1}`,
    source: src('drivers/docker/stats.go:136-149', 'client/container_stats.go:48'),
    why: 'DockerStatsToTaskResourceUsage (util/stats_posix.go:22-88) reads memory usage/stats, cpu and precpu usage, throttling and read',
    method: 'GET',
    path: `/v{{v}}/containers/{{${key}Id}}/stats${goQuery({ stream: 'false' })}`,
    headers: nomadHeaders(),
    status: 200,
    decode: 'json',
    shape: STATS,
    check: (r, vars) => {
      const s = r.json as Obj;
      assert.equal(at(s, 'memory_stats.limit'), memoryLimit, 'memory_stats.limit is the task\'s memory');
      assert.ok(Number(at(s, 'memory_stats.usage')) > 0, 'memory usage');
      const st = at(s, 'memory_stats.stats') as Record<string, number>;
      assert.ok((st.rss ?? st.anon) !== undefined, 'rss (v1) or anon (v2) in memory_stats.stats');
      assert.ok(Number(at(s, 'cpu_stats.cpu_usage.total_usage')) > 0, 'cpu usage');
      assert.ok(Number(at(s, 'cpu_stats.system_cpu_usage')) > 0, 'system cpu usage');
      // Without one-shot the daemon takes two samples: precpu is the earlier one.
      assert.ok(Number(at(s, 'precpu_stats.system_cpu_usage')) > 0, 'precpu_stats filled (stream=false without one-shot)');
      assert.ok(Date.parse(String(at(s, 'read'))) > Date.parse(String(at(s, 'preread'))), 'read after preread');
      const prev = vars[`${key}StatsRead`];
      if (prev) assert.ok(Date.parse(String(at(s, 'read'))) > Date.parse(prev), 'each round reads a new sample');
      vars[`${key}StatsRead`] = String(at(s, 'read'));
    },
  }));
}

/** A script check (Exec, handle.go:84-126): exec create, hijacked start, stdcopy, exit code. */
export function execSteps(key: string, cmd: string[], expect: (stdout: string) => void): Step[] {
  return [
    {
      name: `script check: exec create`,
      source: src('drivers/docker/handle.go:88-95', 'client/container_exec.go:34'),
      why: 'AttachStdout/AttachStderr, no TTY (ConsoleSize left out: getConsoleSize returns nil)',
      method: 'POST',
      path: `/v{{v}}/containers/{{${key}Id}}/exec`,
      headers: nomadHeaders({ body: 'json' }),
      body: { User: '', Privileged: false, Tty: false, AttachStdin: false, AttachStderr: true, AttachStdout: true, DetachKeys: '', Env: null, WorkingDir: '', Cmd: cmd },
      status: 201,
      shape: { Id: 'string' },
      capture: { [`${key}Exec`]: (r) => obj(r).Id },
    },
    {
      name: `script check: exec start (hijacked)`,
      source: src('drivers/docker/handle.go:103-111', 'client/container_exec.go:135') + ', client/hijack.go:45',
      why: 'POST with Connection: Upgrade / Upgrade: tcp; the raw stream is demultiplexed with stdcopy.StdCopy',
      method: 'POST',
      path: `/v{{v}}/exec/{{${key}Exec}}/start`,
      headers: nomadHeaders({ body: 'json', hijack: true }),
      body: { Detach: false, Tty: false },
      hijack: true,
      status: 101,
      check: (r) => expect(demux(r.body).stdout),
    },
    {
      name: `script check: exec inspect`,
      source: src('drivers/docker/handle.go:119', 'client/container_exec.go:178'),
      why: 'ExitCode (a *int: null while running) is the check\'s result',
      method: 'GET',
      path: `/v{{v}}/exec/{{${key}Exec}}/json`,
      headers: nomadHeaders(),
      status: 200,
      shape: { ID: 'string', Running: 'bool', ExitCode: 'int', ContainerID: 'string', Pid: 'int' },
      check: (r, vars) => {
        assert.equal(obj(r).ExitCode, 0);
        assert.equal(obj(r).ContainerID, vars[`${key}Id`]);
      },
    },
  ];
}

/**
 * `nomad alloc exec` (ExecTaskStreaming, driver.go:1931-2027): exec create with stdin, stdout
 * and stderr attached; the terminal size goes out from its own goroutine as soon as the exec
 * exists, so it can reach the daemon before the start (dockerd then waits up to 10 s for the
 * exec to run); the hijacked start carries stdin, closed with CloseWrite at EOF; the exit code
 * comes from ExecInspect once Running is false.
 */
export function allocExecSteps(key: string, tty: boolean, input: string, expect: (out: string) => void, exitCode: number): Step[] {
  const ex = `${key}${tty ? 'Tty' : 'Pipe'}Exec`;
  const steps: Step[] = [
    {
      name: `alloc exec${tty ? ' -t' : ''}: exec create`,
      source: src('drivers/docker/driver.go:1947-1963', 'client/container_exec.go:34'),
      why: `AttachStdin, AttachStdout, AttachStderr, Tty ${tty}; no ConsoleSize (getConsoleSize of a zero size is nil)`,
      method: 'POST',
      path: `/v{{v}}/containers/{{${key}Id}}/exec`,
      headers: nomadHeaders({ body: 'json' }),
      body: { User: '', Privileged: false, Tty: tty, AttachStdin: true, AttachStderr: true, AttachStdout: true, DetachKeys: '', Env: null, WorkingDir: '', Cmd: ['/bin/sh'] },
      status: 201,
      capture: { [ex]: (r) => obj(r).Id },
    },
  ];
  if (tty) {
    steps.push({
      name: 'alloc exec -t: the terminal size, before the start',
      source: src('drivers/docker/driver.go:1966-1982 (its own goroutine, before ExecAttach at :1984)', 'client/container_resize.go:48'),
      why: 'h and w as the query (sorted); dockerd holds a resize of an exec that has not started yet (daemon/resize.go ContainerExecResize, 10 s)',
      method: 'POST',
      path: `/v{{v}}/exec/{{${ex}}}/resize${goQuery({ h: '40', w: '120' })}`,
      headers: nomadHeaders({ method: 'POST' }),
      status: 200,
      hold: `${ex}-resize`,
      timeoutMs: 20_000,
    });
  }
  steps.push(
    {
      name: `alloc exec${tty ? ' -t' : ''}: exec start (hijacked, stdin)`,
      source: src('drivers/docker/driver.go:1984-1992', 'client/container_exec.go:135') + ', client/hijack.go:45',
      why: tty ? 'raw tty bytes both ways (io.Copy)' : 'stdcopy frames out (StdCopy), raw stdin in, CloseWrite at stdin EOF (:2004)',
      method: 'POST',
      path: `/v{{v}}/exec/{{${ex}}}/start`,
      headers: nomadHeaders({ body: 'json', hijack: true }),
      body: { Detach: false, Tty: tty },
      hijack: true,
      decode: 'raw',
      status: 101,
      hold: ex,
      timeoutMs: 30_000,
    },
  );
  if (tty) {
    steps.push({
      name: 'alloc exec -t: the resize answers once the exec runs',
      source: src('drivers/docker/driver.go:1976-1979 (errors ignored)', 'client/container_resize.go:58'),
      why: 'answered after the start made the process',
      join: `${ex}-resize`,
      status: 200,
    });
  }
  steps.push(
    { name: `alloc exec${tty ? ' -t' : ''}: the user types`, source: src('drivers/docker/driver.go:2002-2005 (io.Copy(resp.Conn, stdin), then CloseWrite)'), why: 'stdin, then EOF', write: ex, data: input, closeStdin: !tty },
    {
      name: `alloc exec${tty ? ' -t' : ''}: the session ends`,
      source: src('drivers/docker/driver.go:1994-2000', tty ? undefined : 'api/pkg/stdcopy StdCopy'),
      why: tty ? 'raw bytes, the tty echoing what was typed' : 'stdout and stderr in stdcopy frames',
      join: ex,
      status: 101,
      check: (r) => expect(tty ? r.body.toString('utf8') : JSON.stringify(demux(r.body))),
    },
    {
      name: `alloc exec${tty ? ' -t' : ''}: exit code`,
      source: src('drivers/docker/driver.go:2007-2021 (polled every 100 ms while Running)', 'client/container_exec.go:178'),
      why: 'ExitCode once Running is false',
      method: 'GET',
      path: `/v{{v}}/exec/{{${ex}}}/json`,
      headers: nomadHeaders(),
      status: 200,
      shape: { ID: 'string', Running: 'bool', ExitCode: 'int', Pid: 'int' },
      check: (r) => assert.deepEqual([obj(r).Running, obj(r).ExitCode], [false, exitCode]),
    },
  );
  return steps;
}

/** StopTask with the default kill_timeout (5 s) and no kill_signal, then the handle's exit path. */
export function stopTaskSteps(t: TaskSpec, key: string, checkLogs: (stdout: string, stderr: string, vars: Vars) => void): Step[] {
  return [
    {
      name: `${t.name}: stop (kill_timeout 5s)`,
      source: src('drivers/docker/handle.go:170-174', 'client/container_stop.go:39'),
      why: 'no kill_signal: ContainerStop with t = kill_timeout in seconds',
      method: 'POST',
      path: `/v{{v}}/containers/{{${key}Id}}/stop${goQuery({ t: '5' })}`,
      headers: nomadHeaders({ method: 'POST' }),
      status: 204,
      timeoutMs: 30_000,
    },
    ...exitSteps(t, key, { exitCode: 0, oomKilled: false, checkLogs }),
  ];
}

/** StopTask with a kill_signal: ContainerKill, then the handle's exit path ends the wait. */
export function signalStopSteps(t: TaskSpec, key: string, signal: string): Step[] {
  return [
    {
      name: `${t.name}: stop with kill_signal ${signal}`,
      source: src('drivers/docker/handle.go:176-184 → :128-135', 'client/container_kill.go:22'),
      why: 'the signal by name; Nomad then waits for the exit up to kill_timeout before a ContainerStop t=0 (handle.go:200-207)',
      method: 'POST',
      path: `/v{{v}}/containers/{{${key}Id}}/kill${goQuery({ signal })}`,
      headers: nomadHeaders({ method: 'POST' }),
      status: 204,
    },
  ];
}

/**
 * The handle's exit path (handle.go:281-353) once the container stopped, however it did: the
 * held wait answers, an inspect for OOMKilled, a t=0 stop that must answer 304, and the
 * logger's stream ending (when the task logs somewhere readable).
 */
export function exitSteps(t: TaskSpec, key: string, want: { exitCode: number; oomKilled: boolean; checkLogs?: (stdout: string, stderr: string, vars: Vars) => void }): Step[] {
  const id = `{{${key}Id}}`;
  const steps: Step[] = [
    {
      name: `${t.name}: the held wait answers`,
      source: src('drivers/docker/handle.go:296-303', 'client/container_wait.go:66-82'),
      why: 'StatusCode becomes the exit code (non-zero: "Docker container exited with non-zero exit code"); a non-JSON answer would be reported as the error text',
      join: `${key}-wait`,
      status: 200,
      shape: { StatusCode: 'int', Error: '?object' },
      check: (r) => assert.equal(obj(r).StatusCode, want.exitCode, 'the wait\'s StatusCode'),
    },
    {
      name: `${t.name}: inspect after exit (OOM?)`,
      source: src('drivers/docker/handle.go:308-325', 'client/container_inspect.go:30'),
      why: 'State.OOMKilled turns the exit into "OOM Killed"',
      method: 'GET',
      path: `/v{{v}}/containers/${id}/json`,
      headers: nomadHeaders(),
      status: 200,
      shape: INSPECT,
      check: (r) => {
        assert.equal(at(r.json, 'State.OOMKilled'), want.oomKilled, 'State.OOMKilled');
        assert.equal(at(r.json, 'State.Running'), false);
        assert.equal(at(r.json, 'State.ExitCode'), want.exitCode);
      },
    },
    {
      name: `${t.name}: stop the exited container (second stop)`,
      source: src('drivers/docker/handle.go:335-341', 'client/container_stop.go:39'),
      why: 'stops with t=0 to be sure; Docker answers 304 Not Modified for a container that is not running (the client takes any status < 400 as success)',
      method: 'POST',
      path: `/v{{v}}/containers/${id}/stop${goQuery({ t: '0' })}`,
      headers: nomadHeaders({ method: 'POST' }),
      status: 304,
      check: (r) => assert.equal(r.body.length, 0, 'a 304 has no body'),
    },
  ];
  const checkLogs = want.checkLogs;
  if (!checkLogs) return steps;
  return [
    ...steps,
    {
      name: `${t.name}: the log stream ends with the container`,
      source: src('drivers/docker/docklog/docker_logger.go:125-133', 'api/pkg/stdcopy StdCopy'),
      why: 'no TTY: 8-byte stdcopy frames, stdout and stderr apart; EOF when the container stopped',
      join: `${key}-logs`,
      status: 200,
      check: (r, vars) => {
        assert.equal(r.cutShort, false, 'the follow stream must end by itself when the container stops');
        const { stdout, stderr } = demux(r.body);
        checkLogs(stdout, stderr, vars);
      },
    },
    {
      name: `${t.name}: the logger checks the container after EOF`,
      source: src('drivers/docker/docklog/docker_logger.go:135-144', 'client/container_inspect.go:30'),
      why: 'not running: the logger stops (otherwise it would follow again from now)',
      method: 'GET',
      path: `/v{{v}}/containers/${id}/json`,
      headers: nomadHeaders(),
      status: 200,
      check: (r) => assert.equal(at(r.json, 'State.Running'), false),
    },
  ];
}

/** DestroyTask (gc.container = true): inspect, force remove. */
export function destroyTaskSteps(t: TaskSpec, key: string): Step[] {
  const id = `{{${key}Id}}`;
  return [
    {
      name: `${t.name}: destroy: inspect`,
      source: src('drivers/docker/driver.go:1791', 'client/container_inspect.go:30'),
      why: 'a running container is stopped first (driver.go:1800-1806)',
      method: 'GET',
      path: `/v{{v}}/containers/${id}/json`,
      headers: nomadHeaders(),
      status: 200,
      check: (r) => assert.equal(at(r.json, 'State.Running'), false),
    },
    {
      name: `${t.name}: destroy: remove`,
      source: src('drivers/docker/driver.go:1810', 'client/container_remove.go:21'),
      why: 'force=1, volumes kept',
      method: 'DELETE',
      path: `/v{{v}}/containers/${id}${goQuery({ force: '1' })}`,
      headers: nomadHeaders({ method: 'DELETE' }),
      status: 204,
    },
  ];
}

/** The image GC after gc.image_delay: ImageRemove by id with force. */
export function imageGcSteps(idVar: string, expect: 200 | 409): Step[] {
  return [
    {
      name: 'image GC: remove the unreferenced image',
      source: src('drivers/docker/coordinator.go:346-360', 'client/image_remove.go:12'),
      why: 'force=1 and noprune=1 (PruneChildren false); a 409 means "still in use", a 404 "already gone"',
      method: 'DELETE',
      path: (vars) => `/v${vars.v}/images/${vars[idVar]}${goQuery({ force: '1', noprune: '1' })}`,
      headers: nomadHeaders({ method: 'DELETE' }),
      status: expect,
      shape: expect === 200 ? [{ Untagged: '?string', Deleted: '?string' }] : undefined,
    },
  ];
}
