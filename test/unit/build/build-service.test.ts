// The build service end to end over real stores in a temp dir, without containers: the legacy
// builder's output lines, the cache (a rebuild does no work; a changed file rebuilds from its
// step), tags only after success, --target, build args, labels, quiet mode, and errors.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { BuildService } from '../../../daemon/build/service';
import type { BuildOptions } from '../../../daemon/build/types';
import { openStores, type Stores } from '../../../daemon/store/stores';
import { parseReference } from '../../../daemon/oci/reference';
import { skipUnless } from '../../support/skip';
import { isRoot } from '../../support/proc';

function opts(o: Partial<BuildOptions> = {}): BuildOptions {
  return { tags: [], dockerfile: 'Dockerfile', buildArgs: {}, labels: {}, noCache: false, pull: false, quiet: false, rm: true, forceRm: false, auth: {}, ...o };
}

describe('build service (no containers)', function () {
  let root: string;
  let ctx: string;
  let stores: Stores;
  let svc: BuildService;

  before(function () {
    skipUnless(this, isRoot(), 'layer files are chowned to root, which needs root');
  });

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-buildsvc-'));
    ctx = path.join(root, 'ctx');
    await fs.mkdir(ctx);
    stores = await openStores({ dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'run') });
    svc = new BuildService(stores);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  async function build(o: Partial<BuildOptions> = {}): Promise<{ id: string; lines: string[]; aux: unknown[] }> {
    const files = await fs.readdir(ctx);
    const body = tar.c({ cwd: ctx, portable: true }, files) as unknown as Readable;
    let text = '';
    const aux: unknown[] = [];
    const res = await svc.build(body, opts(o), { stream: (t) => (text += t), aux: (a) => aux.push(a), progress: () => undefined }, new AbortController().signal);
    return { id: res.id, lines: text.split('\n').filter(Boolean), aux };
  }

  it('builds FROM scratch + COPY + CMD with the legacy builder\'s output, then fully from cache', async () => {
    await fs.writeFile(path.join(ctx, 'hello'), 'binary');
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY hello /\nCMD ["/hello"]\n');
    const first = await build({ tags: ['hello:1'] });
    assert.equal(first.lines[0], 'Step 1/3 : FROM scratch');
    assert.equal(first.lines[1], ' ---> ');
    assert.equal(first.lines[2], 'Step 2/3 : COPY hello /');
    assert.match(first.lines[3] as string, /^ ---> [0-9a-f]{12}$/);
    assert.match(first.lines[5] as string, /^ ---> Running in [0-9a-f]{12}$/);
    assert.equal(first.lines.at(-2), `Successfully built ${first.id.slice(7, 19)}`);
    assert.equal(first.lines.at(-1), 'Successfully tagged hello:1');
    assert.deepEqual(first.aux, [{ ID: first.id }]);
    assert.equal(stores.refs.get(parseReference('hello:1')), first.id);

    const blobsBefore = (await stores.content.list()).length;
    const again = await build({ tags: ['hello:1'] });
    assert.equal(again.id, first.id);
    assert.equal(again.lines.filter((l) => l === ' ---> Using cache').length, 2);
    assert.ok(!again.lines.some((l) => l.includes('Running in')));
    assert.equal((await stores.content.list()).length, blobsBefore, 'a cached rebuild stores nothing');
  });

  it('a changed file rebuilds from its COPY step on', async () => {
    await fs.writeFile(path.join(ctx, 'a'), '1');
    await fs.writeFile(path.join(ctx, 'b'), '1');
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY a /a\nCOPY b /b\nENV X=1\n');
    const first = await build();
    await fs.writeFile(path.join(ctx, 'b'), '2');
    const second = await build();
    assert.notEqual(second.id, first.id);
    const marks = second.lines.filter((l) => l.startsWith('Step') || l === ' ---> Using cache');
    assert.deepEqual(marks, ['Step 1/4 : FROM scratch', 'Step 2/4 : COPY a /a', ' ---> Using cache', 'Step 3/4 : COPY b /b', 'Step 4/4 : ENV X=1']);
    const noCache = await build({ noCache: true });
    assert.ok(!noCache.lines.includes(' ---> Using cache'));
  });

  it('multi-stage with --target, COPY --from, build args, labels and an unused-arg warning', async () => {
    await fs.writeFile(path.join(ctx, 'f'), 'data');
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'ARG BASE=scratch\nFROM ${BASE} AS one\nARG WHERE=/default\nCOPY f ${WHERE}\nFROM scratch AS two\nCOPY --from=one /custom /copied\nFROM scratch\nCOPY f /never\n');
    const r = await build({ target: 'two', buildArgs: { WHERE: '/custom', UNUSED: 'x' }, labels: { 'org.x': 'y' }, tags: ['ms:1'] });
    assert.ok(r.lines.includes('Step 1/7 : ARG BASE=scratch'), r.lines.join('\n'));
    assert.ok(r.lines.includes('[Warning] One or more build-args [UNUSED] were not consumed'));
    assert.equal(r.aux.length, 2, 'an aux ID per stage');
    const config = (await stores.content.readJson(r.id as `sha256:${string}`)) as { config: { Labels: Record<string, string> }; rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.config.Labels, { 'org.x': 'y' });
    assert.equal(config.rootfs.diff_ids.length, 1);
    await assert.rejects(build({ target: 'nope' }), /failed to reach build target nope/);
  });

  it('quiet mode prints only the image id', async () => {
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nENV A=1\n');
    const r = await build({ quiet: true });
    assert.deepEqual(r.lines, [r.id]);
  });

  it('errors name the line, tag nothing, and leave old tags alone', async () => {
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nENV A=1\n');
    const good = await build({ tags: ['keep:1'] });
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nENV A=2\nCOPY missing /\n');
    await assert.rejects(build({ tags: ['keep:1'] }), /Dockerfile line 3: COPY failed: file not found in build context/);
    assert.equal(stores.refs.get(parseReference('keep:1')), good.id);
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nBOGUS\n');
    await assert.rejects(build(), /Dockerfile parse error line 2: unknown instruction: BOGUS/);
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nRUN true\n');
    await assert.rejects(build(), /RUN needs a container runtime/);
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\n');
    await assert.rejects(build(), /No image was generated/);
    assert.deepEqual(await fs.readdir(stores.paths.tmp), [], 'scratch space is cleaned up');
  });

  it('a bare Dockerfile as the body builds without a context', async () => {
    let text = '';
    const res = await svc.build(Readable.from([Buffer.from('FROM scratch\nLABEL a=b\n')]), opts(), { stream: (t) => (text += t), aux: () => undefined, progress: () => undefined }, new AbortController().signal);
    assert.match(text, /Successfully built/);
    assert.ok(res.id.startsWith('sha256:'));
  });

  it('ONBUILD triggers are stored, run when the image is used as a base, and not inherited', async () => {
    await fs.writeFile(path.join(ctx, 'f'), 'from trigger');
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nONBUILD COPY f /triggered\nONBUILD ENV T=1\n');
    const base = await build({ tags: ['onbuild-base:1'] });
    const baseConfig = (await stores.content.readJson(base.id as `sha256:${string}`)) as { config: { OnBuild: string[] } };
    assert.deepEqual(baseConfig.config.OnBuild, ['COPY f /triggered', 'ENV T=1']);
    await fs.writeFile(path.join(ctx, 'Dockerfile'), 'FROM onbuild-base:1\nLABEL child=1\n');
    const child = await build();
    assert.ok(child.lines.includes('# Executing 2 build triggers'), child.lines.join('\n'));
    // Docker prints the FROM step's ` ---> id` after the triggers ran: the id they made.
    const step2 = child.lines.findIndex((l) => l.startsWith('Step 2/2'));
    const trig = child.lines.indexOf('# Executing 2 build triggers');
    assert.ok(trig < step2 - 1, child.lines.join('\n'));
    assert.deepEqual(child.lines.slice(child.lines.findIndex((l) => l.startsWith('Step 1/2')) + 1, trig), [], child.lines.join('\n'));
    assert.match(child.lines[step2 - 1] ?? '', /^ ---> [0-9a-f]{12}$/);
    assert.notEqual(child.lines[step2 - 1], ` ---> ${(base.id as string).slice(7, 19)}`);
    const cfg = (await stores.content.readJson(child.id as `sha256:${string}`)) as { config: { OnBuild: string[] | null; Env: string[] }; rootfs: { diff_ids: string[] } };
    assert.equal(cfg.config.OnBuild, null);
    assert.ok(cfg.config.Env.includes('T=1'));
    assert.equal(cfg.rootfs.diff_ids.length, 1, 'the trigger\'s COPY made a layer');
  });
});
