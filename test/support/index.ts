/**
 * berth's test support library. Import from here: `import { ... } from './'`.
 *
 * Registry (registry.ts)
 *   startRegistry(opts?: { auth?: { username, password } }): Promise<TestRegistry>
 *     TestRegistry = { host: '127.0.0.1:PORT', port, url: 'http://127.0.0.1:PORT', auth?, dir, stop() }
 *     Debian's docker-registry, temp storage, deletes enabled; auth = htpasswd basic auth.
 *
 * Fixture images (fixtures.ts, fixture-images.ts, oci-layout.ts)
 *   pushFixtures(host, opts?: { auth? }): Promise<Fixtures>   builds offline (cached in
 *     /tmp/berth-fixtures-<hash>) and pushes with skopeo. Fixtures = { host, hello, helloOci,
 *     busybox, busyboxExtra, multi, multiDocker, multiPlatforms: {arch: digest}, hostArch,
 *     otherArch, helloGreeting: 'Hello from berth!', whiteout: WHITEOUT_FACTS }; each image is
 *     FixtureImage = { ref: 'HOST/name:tag', repository, tag, digest (manifest/index digest in
 *     the registry), mediaType, id (config digest = image id), layers (compressed digests) }.
 *     hello: schema2, /hello, Cmd ["/hello"]. helloOci: same image, OCI manifest.
 *     busybox: schema2, 2 layers, Cmd ["sh"], users root/nobody/app(1000), /tmp 1777.
 *     busyboxExtra: busybox's 2 layers + /opt files + whiteouts (see WHITEOUT_FACTS).
 *     multi: OCI index [unknown/unknown attestation, linux/otherArch, linux/hostArch].
 *     multiDocker: Docker manifest list [linux/otherArch, linux/hostArch].
 *   fetchManifest(host, repo, ref, auth?): Promise<{ digest, mediaType, body }>
 *   buildFixtureLayout(): Promise<{ dir, hostArch, otherArch }>  the OCI layout itself
 *     (tags hello, busybox, busybox-extra, multi, multi-plain), e.g. for `skopeo copy oci:DIR:TAG`.
 *
 * Shared e2e registry (shared.ts)
 *   sharedRegistry(): Promise<{ registry, fixtures }>   one per test process, started lazily,
 *   sharedFixtures(): Promise<Fixtures>                  stopped by a root after() hook.
 *
 * Daemon (daemon.ts)
 *   startDaemon(opts?: { dataRoot?, execRoot?, args?: string[], env?, inheritFds?: { [childFd]: ourFd } }): Promise<TestDaemon>
 *     TestDaemon = { dir, socket, host: 'unix://…', dataRoot, execRoot, logFile, pid,
 *       stop({ keepDirs? }) → { code, signal }   SIGTERM + wait; removes temp dir (unmounts first),
 *       kill() → { code, signal }                SIGKILL + wait; keeps state,
 *       restart()                                 stop (keeping state) + start on same roots/socket,
 *       berth(args, { input?, env?, cwd?, timeoutMs? }) → RunResult   node bin/berth -H …,
 *       docker(args, same) → RunResult           real docker CLI, own DOCKER_CONFIG, DOCKER_BUILDKIT=0,
 *       dockerode(), dockerPy(script, opts?) → RunResult (docker-py, docker.from_env()),
 *       env(extra?) → the clients' environment (DOCKER_HOST, BERTH_HOST, DOCKER_CONFIG, …),
 *       logTail(lines?) }
 *     The daemon log tail is printed automatically when a test fails.
 *     As root each daemon gets a network slot (netpool.ts): its own bridge `btN` and address
 *     pool 10.X.Y.0/19 (`netSlot`), cleaned (bridges, rules, netns, aardvark) at stop().
 *   runBerthd(args, opts?): Promise<RunResult>   berthd run to completion (start-up errors).
 *   ping(socket): Promise<boolean>
 *
 * systemd stand-ins (systemd.ts)
 *   listenNotify(path): Promise<NotifyListener>   a $NOTIFY_SOCKET (datagrams, via python3):
 *     { path, messages: string[], waitFor(pattern, { after?, timeoutMs? }), close() }
 *   socketActivate(socket, argv, { env?, logFile }): Activated   systemd-socket-activate -l
 *     SOCKET argv (started on the first connection): { child, exited, stop(signal?) }
 *
 * Processes and skipping (proc.ts, skip.ts)
 *   run(cmd, args, { input?, env?, cwd?, timeoutMs? }): Promise<RunResult = { code, signal, stdout, stderr }>
 *   runOk(...) same, rejects unless exit 0.  runInPty(cmd, args, opts) same under a pty
 *   (util-linux `script`; for -t/-it tests).  shellQuote(words).  haveCommand(name), isRoot(), repoRoot(), freePort(),
 *   waitFor(what, probe, { timeoutMs?, intervalMs?, abort? }), makeTempDir(prefix), mountsUnder(dir),
 *   removeTree(dir) (umount -R then rm -rf), sleep(ms).
 *   skipBecause(this, reason), skipUnless(this, cond, reason), requireRoot(this),
 *   requireCommands(this, ...names): skip with the reason printed.
 */
export * from './proc';
export * from './skip';
export * from './registry';
export * from './oci-layout';
export * from './push-verbatim';
export * from './fixture-images';
export * from './fixtures';
export * from './shared';
export * from './daemon';
export * from './suite';
export * from './systemd';
export * from './netpool';
export * from './http-get';
export * from './compose';
