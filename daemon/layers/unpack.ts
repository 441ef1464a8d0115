/**
 * Unpacking one layer (a tar, plain or compressed: decompress.ts) into an empty directory, in one
 * streaming pass: decompress → sha256 (the diff id) → tar parse (tar-reader.ts) → write
 * entries (unpack-entries.ts, which keeps every write inside the directory and applies OCI
 * whiteouts as overlay whiteouts). Resolves with the diff id and the layer's size once the whole tar
 * is written; rejects on a corrupt or truncated stream, an unsafe entry, or a diff id that
 * differs from `expectedDiffId`. On rejection the directory holds partial content: the caller
 * (LayerStore.create) throws it away.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Digest } from '../oci/digest';
import { decompressor, detectCompression, peek } from './decompress';
import { TarReader } from './tar-reader';
import { EntryWriter } from './unpack-entries';
import { asLayerError, layerError, LayerCode } from './errors';
import { FsCalls, nativeFsCalls } from './fs-calls';
import { IndexEntry, walkLayer } from './file-index';

export interface UnpackOptions {
  /** When set, the uncompressed stream must hash to it. */
  expectedDiffId?: Digest;
  /** Keep owners from the tar (default: when running as root). */
  chown?: boolean;
  /** Give every entry this owner instead (build `ADD --chown`); implies chown. */
  owner?: { uid: number; gid: number };
  /**
   * Apply OCI whiteouts (default). Off for a plain archive (build `ADD`), where `.wh.` names are
   * ordinary files, as in Docker.
   */
  whiteouts?: boolean;
  /**
   * Take the layer's file index (file-index.ts) right after writing it: the tree walked in the
   * same thread, content hashes from the bytes as they were written, so the layer store's seal
   * step need not read 200 MB back.
   */
  index?: boolean;
}

export interface UnpackResult {
  diffId: Digest;
  /** Sum of regular file sizes in the tar (Docker's layer Size). */
  size: number;
  /** With `index`: the tree's entries (LayerIndexes.record takes them as they are). */
  index?: IndexEntry[];
}

/**
 * Unpacks `input` into the empty directory `dir`. `fsCalls` reaches mknod and xattrs (the
 * recording fake in unit tests).
 */
export async function unpackLayer(input: Readable, dir: string, opts: UnpackOptions = {}, fsCalls: FsCalls = nativeFsCalls): Promise<UnpackResult> {
  const { head, stream: source } = await peek(input, 6);
  const dec = decompressor(detectCompression(head));
  const hash = createHash('sha256');
  const writer = new EntryWriter(
    dir,
    { chown: opts.owner !== undefined || (opts.chown ?? process.getuid?.() === 0), owner: opts.owner, whiteouts: opts.whiteouts ?? true, hashFiles: opts.index },
    fsCalls,
  );
  const reader = new TarReader((h) => writer.onEntry(h));

  return new Promise<UnpackResult>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      writer.abort();
      source.unpipe(dec);
      source.destroy();
      dec.destroy();
      reject(asLayerError(err));
    };
    source.on('error', fail);
    dec.on('error', fail);
    dec.on('data', (chunk: Buffer) => {
      if (settled) return;
      // The diff id covers every byte, padding after the end-of-archive blocks included.
      hash.update(chunk);
      try {
        reader.write(chunk);
      } catch (err) {
        fail(err);
      }
    });
    dec.on('end', () => {
      if (settled) return;
      try {
        reader.end();
        writer.finish();
      } catch (err) {
        fail(err);
        return;
      }
      const diffId: Digest = `sha256:${hash.digest('hex')}`;
      if (opts.expectedDiffId && diffId !== opts.expectedDiffId) {
        fail(layerError('InvalidParameter', LayerCode.DiffIdMismatch, `layer content does not match its diff id: expected ${opts.expectedDiffId}, got ${diffId}`));
        return;
      }
      let index: IndexEntry[] | undefined;
      if (opts.index) {
        try {
          index = walkLayer(dir, { known: writer.hashes });
        } catch (err) {
          fail(err);
          return;
        }
      }
      settled = true;
      resolve({ diffId, size: writer.size, ...(index ? { index } : {}) });
    });
    source.pipe(dec);
  });
}
