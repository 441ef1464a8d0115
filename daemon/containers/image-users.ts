/**
 * The containers' side of `ImageUsers` (images/users.ts): which containers use an image and
 * which image layers they still rely on, read from the in-memory name index. Built over the
 * index rather than the containers service so that the images service can be composed first.
 */
import type { ImageUsers } from '../images/users';
import type { Digest } from '../oci/digest';
import type { ContainerNameIndex } from './name-index';

export function imageUsersOf(index: ContainerNameIndex): ImageUsers {
  return {
    containersUsing: async (id: Digest) => index.all().filter((r) => r.Image === id).map((r) => r.Id),
    isRunning: async (containerId: string) => index.find(containerId)?.State.Running === true,
    layersInUse: async () => [...new Set(index.all().map((r) => r.LayerChainIds[r.LayerChainIds.length - 1]).filter((c): c is Digest => !!c))],
  };
}
