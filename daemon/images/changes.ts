/**
 * `--change` for commit and import: Dockerfile instructions applied to a container config
 * (Docker allows CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER,
 * VOLUME, WORKDIR). Substitution sees the config's own ENV, as in a Dockerfile.
 */
import { invalid } from '../errors';
import { ContainerConfig } from '../oci/types';
import { parseInstruction } from '../dockerfile/parse';
import { applyMeta } from '../dockerfile/meta';
import { StageState } from '../dockerfile/stage';

const ALLOWED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

export function applyChanges(cc: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const state = new StageState({ config: { architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] }, config: cc }, layers: [] });
  for (const [i, change] of changes.entries()) {
    if (change.trim() === '') continue;
    // Checked before parsing, so an unknown word is named as a bad change, not as a line of
    // some Dockerfile the user never wrote.
    const keyword = (change.trim().split(/\s/, 1)[0] ?? '').toUpperCase();
    if (!ALLOWED.has(keyword)) throw invalid(`${keyword} is not a valid change command`);
    const ins = parseInstruction({ text: change.trim(), line: i + 1 });
    const res = applyMeta(ins, state, '\\');
    state.image = { ...state.image, config: { ...state.image.config, config: res.cc } };
  }
  return state.cc;
}
