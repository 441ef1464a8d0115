// Config-only instructions and --change: what each does to the container config and the
// history line it writes (which is also its cache key).
import { strict as assert } from 'node:assert';
import { applyMeta, exposedPorts, nopLine } from '../../../daemon/dockerfile/meta';
import { applyChanges } from '../../../daemon/images/changes';
import { parseInstruction } from '../../../daemon/dockerfile/parse';
import { StageState } from '../../../daemon/dockerfile/stage';
import { BuildCache } from '../../../daemon/build/cache';

function stateWith(cc: object): StageState {
  return new StageState({ config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: cc }, layers: [] });
}
const ins = (t: string) => parseInstruction({ text: t, line: 1 });

describe('build: metadata instructions', () => {
  it('ENV adds and replaces, with substitution from earlier ENV and ARG', () => {
    const s = stateWith({ Env: ['PATH=/bin', 'A=1'] });
    s.args.set('V', '9');
    const r = applyMeta(ins('ENV A=2 B=${A}-$V PATH=$PATH:/x'), s, '\\');
    assert.deepEqual(r.cc.Env, ['PATH=/bin:/x', 'A=2', 'B=1-9']);
    assert.equal(nopLine(s.shell, r.comment), '/bin/sh -c #(nop)  ENV A=2 B=1-9 PATH=/bin:/x');
  });

  it('ENTRYPOINT drops an inherited CMD, but not one set in this stage', () => {
    const s = stateWith({ Cmd: ['sh'] });
    assert.equal(applyMeta(ins('ENTRYPOINT ["/e"]'), s, '\\').cc.Cmd, null);
    const t = stateWith({ Cmd: ['sh'] });
    t.cmdSet = true;
    assert.deepEqual(applyMeta(ins('ENTRYPOINT /e'), t, '\\').cc, { Cmd: ['sh'], Entrypoint: ['/bin/sh', '-c', '/e'] });
  });

  it('CMD shell form uses the SHELL', () => {
    const s = stateWith({ Shell: ['/bin/bash', '-o', 'pipefail', '-c'] });
    const r = applyMeta(ins('CMD echo hi'), s, '\\');
    assert.deepEqual(r.cc.Cmd, ['/bin/bash', '-o', 'pipefail', '-c', 'echo hi']);
    assert.equal(r.comment, 'CMD ["/bin/bash" "-o" "pipefail" "-c" "echo hi"]');
  });

  it('WORKDIR is relative to the previous one; EXPOSE expands ranges; VOLUME; USER; LABEL', () => {
    const s = stateWith({ WorkingDir: '/a' });
    assert.equal(applyMeta(ins('WORKDIR b/../c'), s, '\\').cc.WorkingDir, '/a/c');
    assert.deepEqual(exposedPorts(['80', '53/udp', '8000-8002']), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp']);
    assert.throws(() => exposedPorts(['http']), /invalid containerPort: http/);
    assert.deepEqual(applyMeta(ins('VOLUME /data /logs'), s, '\\').cc.Volumes, { '/data': {}, '/logs': {} });
    assert.equal(applyMeta(ins('USER app:app'), s, '\\').cc.User, 'app:app');
    assert.deepEqual(applyMeta(ins('LABEL "x y"=z'), s, '\\').cc.Labels, { 'x y': 'z' });
  });

  it('ONBUILD stores the trigger, STOPSIGNAL validates, MAINTAINER sets the author', () => {
    const s = stateWith({});
    assert.deepEqual(applyMeta(ins('ONBUILD run echo x'), s, '\\').cc.OnBuild, ['RUN echo x']);
    assert.equal(applyMeta(ins('STOPSIGNAL SIGKILL'), s, '\\').cc.StopSignal, 'SIGKILL');
    assert.throws(() => applyMeta(ins('STOPSIGNAL not a signal'), s, '\\'), /Invalid signal/);
    assert.equal(applyMeta(ins('MAINTAINER Jane <j@x>'), s, '\\').author, 'Jane <j@x>');
  });

  it('--change applies allowed instructions and refuses others', () => {
    assert.deepEqual(applyChanges({ Env: ['A=1'] }, ['ENV B=$A', 'CMD ["x"]', 'EXPOSE 80']), { Env: ['A=1', 'B=1'], Cmd: ['x'], ExposedPorts: { '80/tcp': {} } });
    assert.throws(() => applyChanges({}, ['RUN echo']), /RUN is not a valid change command/);
    assert.throws(() => applyChanges({}, ['ENV A=1', 'BOGUS x']), (e: Error) => e.message === 'BOGUS is not a valid change command');
  });

  it('cache keys differ by parent, step text and platform', () => {
    const a = BuildCache.keyOf(undefined, 'step', 'linux/amd64');
    assert.equal(a, BuildCache.keyOf(undefined, 'step', 'linux/amd64'));
    assert.notEqual(a, BuildCache.keyOf(`sha256:${'1'.repeat(64)}`, 'step', 'linux/amd64'));
    assert.notEqual(a, BuildCache.keyOf(undefined, 'step2', 'linux/amd64'));
    assert.notEqual(a, BuildCache.keyOf(undefined, 'step', 'linux/arm64'));
  });
});
