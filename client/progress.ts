/**
 * Rendering the daemon's JSON progress streams (pull, push, build, load) the way the docker CLI
 * does (jsonmessage.DisplayJSONMessagesStream). On a terminal each id owns a line that is
 * rewritten in place with cursor movement (`7ee06e00a727: Downloading [==>   ] 1.2MB/3.4MB`);
 * a message without an id starts a fresh block. Off a terminal, progress bars are dropped and
 * every status is one plain line.
 */
import type { Writable } from 'node:stream';

import type { JsonMessage } from '../daemon/wire/types';

export type { JsonMessage };

export class ProgressRenderer {
  private ids = new Map<string, number>();

  constructor(
    private readonly out: Writable & { isTTY?: boolean },
    private readonly tty = !!out.isTTY,
  ) {}

  private write(s: string): void {
    this.out.write(s);
  }

  render(m: JsonMessage): void {
    const hasProgress = m.progressDetail !== undefined || m.progress !== undefined;
    if (!this.tty) {
      if (m.progress) return; // no bars off a terminal
      if (m.stream !== undefined) return this.write(m.stream);
      if (m.status === undefined) return;
      this.write(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
      return;
    }
    let diff = 0;
    if (m.id && hasProgress) {
      let line = this.ids.get(m.id);
      if (line === undefined) {
        line = this.ids.size;
        this.ids.set(m.id, line);
        this.write('\n');
      }
      diff = this.ids.size - line;
      if (diff > 0) this.write(`\x1b[${diff}A`);
    } else {
      this.ids = new Map();
    }
    if (m.stream !== undefined) {
      this.write(m.stream);
    } else if (m.status !== undefined) {
      if (hasProgress) {
        this.write('\x1b[2K\r');
        this.write(`${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}\r`);
      } else {
        this.write(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
      }
    }
    if (m.id && hasProgress && diff > 0) this.write(`\x1b[${diff}B`);
  }

  /** Ends the progress block (moves past the per-id lines). */
  finish(): void {
    if (this.tty && this.ids.size) this.write('\n');
    this.ids = new Map();
  }
}
