/**
 * Docker's streaming JSON responses (pull, push, build, load): one JSON object per line,
 * flushed as written, no Content-Length. Once the 200 is out, errors travel in-band as
 * `{"errorDetail":{"message":...},"error":...}`.
 */
import type { Response } from 'express';
import { describe } from '../errors';

import type { JsonMessage } from '../wire/types';

export type ProgressMessage = JsonMessage;

export type ProgressSink = (msg: ProgressMessage) => void;

export class JsonStream {
  constructor(private readonly res: Response) {}

  /** Sends the 200 and the headers now, so clients see the stream start at once. */
  start(): void {
    if (this.res.headersSent) return;
    this.res.status(200);
    this.res.setHeader('Content-Type', 'application/json');
    this.res.flushHeaders();
  }

  write(msg: ProgressMessage): void {
    this.start();
    if (!this.res.writableEnded) this.res.write(JSON.stringify(msg) + '\r\n');
  }

  readonly sink: ProgressSink = (msg) => this.write(msg);

  error(err: unknown): void {
    const message = describe(err);
    this.write({ errorDetail: { message }, error: message });
  }

  end(): void {
    this.start();
    if (!this.res.writableEnded) this.res.end();
  }
}
