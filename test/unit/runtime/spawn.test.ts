/**
 * The helper's spawn path (native/ffi/spawn.ts through koffi's posix_spawn, and runHelper):
 * what the child gets (stdio, signals, argv, env) and what the parent sees (output, exit code,
 * signal, exec errors). Runs /bin/sh; no root needed.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { posixSpawn } from '../../../native/ffi/spawn';
import { runHelper } from '../../../daemon/runtime/helper';

function collect(s: Socket): Promise<string> {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  return new Promise((resolve) => s.once('close', () => resolve(Buffer.concat(parts).toString())));
}

describe('helper spawn (posix_spawn through koffi)', () => {
  it('collects stdout and stderr apart and reports the exit code', async () => {
    const r = await runHelper('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', code: 3 });
  });

  it('reports a child killed by a signal as child_process did (128 + 9)', async () => {
    const r = await runHelper('/bin/sh', ['-c', 'kill -TERM $$']);
    assert.equal(r.code, 137);
  });

  it('passes argv[0], the arguments and the environment; stdin is /dev/null', async () => {
    process.env.BERTH_SPAWN_TEST = 'a b=c';
    try {
      const r = await runHelper('/bin/sh', ['-c', 'tr "\\0" "|" </proc/$$/cmdline; echo "$BERTH_SPAWN_TEST"; readlink /proc/self/fd/0', 'zero', 'x y']);
      assert.match(r.stdout, /^\/bin\/sh\|-c\|tr .*\|zero\|x y\|a b=c\n\/dev\/null\n$/);
    } finally {
      delete process.env.BERTH_SPAWN_TEST;
    }
  });

  it('gives the child default, unblocked signals although Node ignores SIGPIPE', async () => {
    const r = await runHelper('/bin/sh', ['-c', 'grep -E "^Sig(Ign|Blk)" /proc/self/status']);
    assert.equal(r.stdout, 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  });

  it('fails like child_process when the helper cannot be executed', async () => {
    await assert.rejects(runHelper('/nonexistent/berth-helper', []), /running the container helper \/nonexistent\/berth-helper: spawn \/nonexistent\/berth-helper ENOENT/);
    const plain = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-spawn-')), 'plain');
    fs.writeFileSync(plain, 'not a program\n', { mode: 0o644 });
    try {
      await assert.rejects(runHelper(plain, []), (e: Error) => e.message.endsWith(`spawn ${plain} EACCES`));
    } finally {
      fs.rmSync(path.dirname(plain), { recursive: true, force: true });
    }
  });

  it('carries stdin and a duplex fd 3 both ways, and reaps a child that closed its output early', async () => {
    const c = posixSpawn('/bin/sh', ['-c', 'read a; echo "got $a" >&3; read b <&3; echo "$b"; exec >&- 2>&- 3>&-; sleep 0.2; exit 4'], ['pipe', 'pipe', 'pipe', 'pipe']);
    const [stdin, stdout, stderr, ctl] = c.stdio as [Socket, Socket, Socket, Socket];
    const out = collect(stdout);
    const err = collect(stderr);
    const ctlText = collect(ctl);
    stdin.end('one\n');
    ctl.write('two\n');
    assert.equal(await out, 'two\n');
    assert.equal(await err, '');
    assert.equal(await ctlText, 'got one\n');
    assert.deepEqual(await c.exited, { code: 4, signal: null });
  });

  it('reaps many children at once (SIGCHLD is coalesced)', async () => {
    const kids = Array.from({ length: 12 }, (_, i) => posixSpawn('/bin/sh', ['-c', `exit ${i}`], ['ignore', 'ignore', 'ignore']));
    const codes = await Promise.all(kids.map((k) => k.exited));
    assert.deepEqual(codes.map((e) => e.code), kids.map((_, i) => i));
  });
});
