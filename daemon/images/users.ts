/**
 * What the images service needs to know about containers, without depending on the containers
 * service: which containers use an image (rmi/prune conflicts, /system/df counts) and which
 * image layers containers still rely on (so the GC keeps them after `rmi -f`). The containers
 * service implements this and services.ts injects it; until then nobody uses any image.
 */
import type { Digest } from '../oci/digest';
import type { GcUsers } from '../store/gc';

export interface ImageUsers extends GcUsers {
  /** Ids of the containers (running or not) created from image `id`. */
  containersUsing(id: Digest): Promise<string[]>;
  /** Whether a container is running (a running user is a conflict even with force). */
  isRunning(containerId: string): Promise<boolean>;
}

export const NO_IMAGE_USERS: ImageUsers = {
  containersUsing: async () => [],
  isRunning: async () => false,
  layersInUse: async () => [],
};
