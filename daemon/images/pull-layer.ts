/**
 * Fetching one layer of a pull: the blob streams once from the registry and is teed into the
 * content store's ingest (verified against the manifest's digest and size, then renamed into
 * place) and into the layer unpacker (verified against the config's diff id). The layer is
 * committed by LayerStore.create only when both verify; any failure destroys both sides and
 * nothing that looks complete is left. A blob already in the content store is unpacked from
 * there without touching the network.
 */
import { PassThrough, Readable } from 'node:stream';
import { BerthError, describe, errnoCode, invalid, wrap } from '../errors';
import { Digest, shortId } from '../oci/digest';
import type { Descriptor } from '../oci/types';
import type { RegistryClient } from '../registry';
import { unpackLayerInWorker as unpackLayer } from '../layers/unpack-pool';
import type { UnpackResult } from '../layers/unpack';
import type { Stores } from '../store/stores';
import { log } from '../log';
import { ByteProgress, ProgressSink, progressMessage, statusMessage } from './pull-progress';

export interface LayerJob {
  desc: Descriptor;
  diffId: Digest;
  chainId: Digest;
  parent: Digest | undefined;
}

const CUT_SHORT = () => Object.assign(new Error('the download was cut short'), { code: 'ECONNRESET' });

/** Copies `src` into every output, pausing while any of them is full. */
function tee(src: Readable, outs: PassThrough[]): void {
  src.on('data', (chunk: Buffer) => {
    let full = 0;
    for (const o of outs) if (!o.write(chunk)) full++;
    if (full === 0) return;
    src.pause();
    let waiting = full;
    for (const o of outs) {
      if (!o.writableNeedDrain) continue;
      const go = () => {
        o.off('drain', go);
        o.off('close', go);
        if (--waiting === 0) src.resume();
      };
      o.on('drain', go);
      o.on('close', go);
    }
  });
  src.on('end', () => outs.forEach((o) => o.end()));
  src.on('error', (err) => outs.forEach((o) => o.destroy(err)));
  src.on('aborted', () => outs.forEach((o) => o.destroy(CUT_SHORT())));
}

const CUT_SHORT_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

function downloadError(job: LayerJob, err: unknown): BerthError {
  if (err instanceof BerthError) return wrap(err, `pulling layer ${shortId(job.desc.digest)}`);
  // Node names a dropped connection by code (an aborted response and "socket hang up" are
  // ECONNRESET; a stream torn down mid-body is ERR_STREAM_PREMATURE_CLOSE).
  const why = CUT_SHORT_CODES.has(errnoCode(err) ?? '') ? 'the download was cut short' : describe(err);
  return new BerthError('Unavailable', `pulling layer ${shortId(job.desc.digest)} failed: ${why}`, { cause: err });
}

/** Downloads (or reuses from the content store) and unpacks one layer. Resolves when stored. */
export async function fetchLayer(stores: Stores, client: RegistryClient, repo: string, job: LayerJob, sink: ProgressSink): Promise<void> {
  const id = shortId(job.desc.digest);
  const total = job.desc.size;
  await stores.layers.create(job.chainId, job.diffId, job.parent, async (dir) => {
    if (await stores.content.has(job.desc.digest)) {
      sink(progressMessage('Extracting', id, total, total));
      const res = await unpackLayer(stores.content.openRead(job.desc.digest), dir, { expectedDiffId: job.diffId, index: true }).catch((err) => {
        throw wrap(err, `unpacking layer ${id}`);
      });
      return { size: res.size, sealHint: res.index };
    }
    const { stream, size } = await client.openBlob(repo, job.desc.digest);
    if (size !== undefined && size !== total) {
      stream.destroy();
      throw invalid(`pulling layer ${id}: the registry sent ${size} bytes, the manifest says ${total}`);
    }
    const toStore = new PassThrough({ highWaterMark: 1 << 20 });
    const toUnpack = new PassThrough({ highWaterMark: 1 << 20 });
    tee(stream, [toStore, toUnpack]);
    const progress = new ByteProgress(sink, 'Downloading', id, total);
    const t0 = performance.now();
    const fail = (err: unknown) => {
      stream.destroy();
      toStore.destroy();
      toUnpack.destroy();
      throw err;
    };
    const stored = stores.content
      .ingest(toStore, { digest: job.desc.digest, size: total }, (n) => progress.update(n))
      .then(() => {
        log.debug('layer downloaded', { layer: id, ms: Math.round(performance.now() - t0) });
        sink(statusMessage('Verifying Checksum', id));
        sink(statusMessage('Download complete', id));
      })
      .catch((err) => fail(downloadError(job, err)));
    const unpacked = unpackLayer(toUnpack, dir, { expectedDiffId: job.diffId, index: true }).catch((err) => {
      // A dead download surfaces on both sides; name the download, not the unpacking.
      const broken = stream.destroyed && !stream.readableEnded;
      fail(broken || (err as { code?: string }).code === 'ECONNRESET' ? downloadError(job, err) : wrap(err, `unpacking layer ${id}`));
    });
    const [, res] = await Promise.all([stored, unpacked]);
    log.debug('layer unpacked', { layer: id, ms: Math.round(performance.now() - t0) });
    sink(progressMessage('Extracting', id, total, total));
    const r = res as UnpackResult;
    return { size: r.size, sealHint: r.index };
  });
  sink(statusMessage('Pull complete', id));
}
