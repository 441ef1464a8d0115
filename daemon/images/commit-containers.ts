/**
 * The slice of the containers service that commit needs, as a ContainerAccess: the
 * container's image, config, command, upper dir and state, and pause/unpause.
 */
import type { Digest } from '../oci/digest';
import type { ContainerConfig } from '../oci/types';
import type { ContainerAccess } from './commit';

export interface CommitContainers {
  get(ref: string): { Id: string; Image: Digest; Path: string; Args: string[]; Config: ContainerConfig; State: { Running: boolean; Paused: boolean } };
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  store: { pathsOf(id: string): { upper: string } };
}

export function commitAccess(containers: CommitContainers): ContainerAccess {
  return {
    source: async (ref) => {
      const rec = containers.get(ref);
      return {
        id: rec.Id,
        imageId: rec.Image,
        config: rec.Config,
        cmd: [rec.Path, ...rec.Args],
        upperDir: containers.store.pathsOf(rec.Id).upper,
        running: rec.State.Running,
        paused: rec.State.Paused,
      };
    },
    pause: (id) => containers.pause(id),
    unpause: (id) => containers.unpause(id),
  };
}
