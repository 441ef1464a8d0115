/**
 * The instructions that change only the image config (ENV, LABEL, WORKDIR, EXPOSE, USER,
 * VOLUME, STOPSIGNAL, SHELL, HEALTHCHECK, ONBUILD, CMD, ENTRYPOINT, MAINTAINER, ARG): each
 * returns the new container config and the history line Docker's legacy builder writes
 * (`/bin/sh -c #(nop)  ENV a=b`), which is also the step's cache key. Also used by commit
 * and import `--change`. Pure apart from the state it is given.
 */
import * as path from 'node:path';
import { invalid } from '../errors';
import { ContainerConfig } from '../oci/types';
import { argDefs, commandLine, healthcheck, keyValues, singleWord, wordList } from './evaluate';
import type { Instruction } from './parse';
import { StageState } from './stage';

export interface MetaResult {
  cc: ContainerConfig;
  /** The text after `#(nop) ` in the history line. */
  comment: string;
  author?: string;
}

export const META_KEYWORDS = new Set([
  'ENV', 'LABEL', 'WORKDIR', 'EXPOSE', 'USER', 'VOLUME', 'STOPSIGNAL', 'SHELL', 'HEALTHCHECK', 'ONBUILD', 'CMD',
  'ENTRYPOINT', 'MAINTAINER', 'ARG',
]);

/** Go's %q rendering of a string slice, as Docker prints `CMD ["a" "b"]` in history. */
function goQuoted(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** Expands `80`, `80/udp`, `8000-8002/tcp` into Docker's `port/proto` keys. */
export function exposedPorts(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const m = /^(?:(?:[0-9.]+|\[[0-9a-fA-F:]+\]):)?(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(w);
    if (!m) throw invalid(`invalid containerPort: ${w}`);
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    if (to < from || to > 65535) throw invalid(`invalid port range: ${w}`);
    for (let p = from; p <= to; p++) out.push(`${p}/${(m[3] ?? 'tcp').toLowerCase()}`);
  }
  return out;
}

const SIGNAL = /^(SIG)?[A-Z][A-Z0-9+-]*$|^\d+$/;

export function applyMeta(ins: Instruction, state: StageState, escape: string): MetaResult {
  const cc: ContainerConfig = structuredClone(state.cc);
  const lookup = state.lookup();
  switch (ins.keyword) {
    case 'ENV': {
      const pairs = keyValues(ins, lookup, escape);
      const env = (cc.Env ?? []).slice();
      for (const [k, v] of pairs) {
        const i = env.findIndex((e) => e.startsWith(`${k}=`));
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      cc.Env = env;
      return { cc, comment: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'LABEL': {
      const pairs = keyValues(ins, lookup, escape);
      cc.Labels = { ...(cc.Labels ?? {}) };
      for (const [k, v] of pairs) cc.Labels[k] = v;
      return { cc, comment: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'WORKDIR': {
      const dir = singleWord(ins, lookup, escape);
      cc.WorkingDir = path.posix.resolve('/', cc.WorkingDir || '/', dir);
      return { cc, comment: `WORKDIR ${dir}` };
    }
    case 'EXPOSE': {
      const ports = exposedPorts(wordList(ins, lookup, escape));
      cc.ExposedPorts = { ...(cc.ExposedPorts ?? {}) };
      for (const p of ports) cc.ExposedPorts[p] = {};
      return { cc, comment: `EXPOSE ${ports.join(' ')}` };
    }
    case 'USER': {
      cc.User = singleWord(ins, lookup, escape);
      return { cc, comment: `USER ${cc.User}` };
    }
    case 'VOLUME': {
      const vols = wordList(ins, lookup, escape);
      cc.Volumes = { ...(cc.Volumes ?? {}) };
      for (const v of vols) {
        if (v.trim() === '') throw invalid('VOLUME specified can not be an empty string');
        cc.Volumes[v] = {};
      }
      return { cc, comment: `VOLUME [${vols.join(' ')}]` };
    }
    case 'STOPSIGNAL': {
      const sig = singleWord(ins, lookup, escape);
      if (!SIGNAL.test(sig.toUpperCase())) throw invalid(`Invalid signal: ${sig}`);
      cc.StopSignal = sig;
      return { cc, comment: `STOPSIGNAL ${sig}` };
    }
    case 'SHELL':
      cc.Shell = ins.json as string[];
      return { cc, comment: `SHELL ${goQuoted(cc.Shell)}` };
    case 'HEALTHCHECK': {
      const hc = healthcheck(ins);
      cc.Healthcheck = hc;
      return { cc, comment: `HEALTHCHECK ${JSON.stringify(hc)}` };
    }
    case 'ONBUILD': {
      const trigger = ins.args.trim();
      const word = /^(\S+)/.exec(trigger)?.[1] ?? '';
      const normalized = word.toUpperCase() + trigger.slice(word.length);
      cc.OnBuild = [...(cc.OnBuild ?? []), normalized];
      return { cc, comment: `ONBUILD ${normalized}` };
    }
    case 'CMD': {
      cc.Cmd = commandLine(ins, state.shell);
      state.cmdSet = true;
      return { cc, comment: `CMD ${goQuoted(cc.Cmd)}` };
    }
    case 'ENTRYPOINT': {
      cc.Entrypoint = commandLine(ins, state.shell);
      // Docker: a new ENTRYPOINT drops a CMD inherited from the base image.
      if (!state.cmdSet) cc.Cmd = null;
      return { cc, comment: `ENTRYPOINT ${goQuoted(cc.Entrypoint)}` };
    }
    case 'MAINTAINER': {
      const who = ins.args.trim();
      return { cc, comment: `MAINTAINER ${who}`, author: who };
    }
    case 'ARG': {
      const defs = argDefs(ins, lookup, escape);
      return { cc, comment: `ARG ${defs.map((d) => (d.value === undefined ? d.name : `${d.name}=${d.value}`)).join(' ')}` };
    }
    default:
      throw invalid(`${ins.keyword} is not a metadata instruction`);
  }
}

/** The history line of a metadata step, as the legacy builder writes it. */
export function nopLine(shell: string[], comment: string): string {
  return `${shell.join(' ')} #(nop)  ${comment}`;
}
