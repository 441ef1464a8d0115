/**
 * berthd's entry point: parse the configuration, take the root locks, open the stores and
 * recover, build the services, listen, tell systemd (Type=notify) it is ready, reload
 * daemon.json on SIGHUP, and shut down cleanly on SIGTERM/SIGINT.
 */
import { DEFAULTS, parseArgs, USAGE } from './config';
import { LiveConfig } from './config-live';
import { notifierFromEnv } from './notify';
import { reloadOnHangup } from './reload';
import { socketGroup } from './socket-group';
import { sendDatagram } from '../native/ffi/sd-notify';
import { acquireRootLocks } from './lock';
import { listenAll } from './listen';
import { composeDaemon } from './compose';
import { createServer } from './api/app';
import { stallTimeoutMs } from './api/stall-timeouts';
import { describe } from './errors';
import { log, setLogFormat, setLogLevel } from './log';
import { BERTH_VERSION } from './version-info';

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`berthd version ${BERTH_VERSION}\n`);
    return;
  }
  if (parsed.validateOnly) {
    socketGroup(parsed.config.group, DEFAULTS.group);
    process.stdout.write('configuration OK\n');
    return;
  }
  const stallMs = stallTimeoutMs();
  setLogFormat(parsed.config.logFormat);
  setLogLevel(parsed.config.logLevel);
  const live = new LiveConfig(parsed.config, () => parseArgs(process.argv.slice(2)), (s) => setLogLevel(s.logLevel));
  const config = live.config;
  const notifier = notifierFromEnv(sendDatagram);
  let serving = false;
  reloadOnHangup(live, notifier, config.configFile, () => serving);
  const gid = socketGroup(config.group, DEFAULTS.group);
  const release = await acquireRootLocks([config.dataRoot, config.execRoot]);
  const daemon = await composeDaemon(config);
  const server = createServer({ routers: daemon.routers, upgrades: daemon.upgrades }, stallMs);
  const listening = await listenAll(server, config.hosts, gid);
  log.info('berthd listening', { version: BERTH_VERSION, hosts: listening, dataRoot: config.dataRoot, execRoot: config.execRoot });
  serving = true;
  notifier.ready();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    notifier.stopping();
    log.info('berthd shutting down', { signal });
    server.close();
    server.closeAllConnections();
    try {
      await daemon.shutdown();
    } finally {
      await release();
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`berthd: ${describe(err)}\n`);
  process.exit(1);
});
