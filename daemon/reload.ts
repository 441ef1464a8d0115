/**
 * SIGHUP: reload daemon.json into the running daemon (`systemctl reload berthd`, a log
 * rotation's HUP). Without this handler Node's default action for SIGHUP ends the process.
 * The service manager hears RELOADING=1 before and READY=1 after; a bad file is one error line
 * and the running settings stay.
 */
import type { LiveConfig } from './config-live';
import { describe } from './errors';
import { log } from './log';
import type { ServiceNotifier } from './notify';

/**
 * Installs the handler (as early as possible: a HUP during start-up must not kill berthd).
 * `serving()` tells whether READY=1 was sent already; before that, a reload stays quiet.
 */
export function reloadOnHangup(live: LiveConfig, notifier: ServiceNotifier, file: string, serving: () => boolean): () => void {
  const reload = () => {
    const notify = serving();
    if (notify) notifier.reloading();
    try {
      const { changed, needRestart } = live.reload();
      log.info('configuration reloaded', { file, changed });
      if (needRestart.length) log.warn('some changed settings apply only after a restart of berthd', { file, settings: needRestart });
    } catch (err) {
      log.error('configuration not reloaded, the running one stays', { file, error: describe(err) });
    }
    if (notify) notifier.ready();
  };
  process.on('SIGHUP', reload);
  return reload;
}
