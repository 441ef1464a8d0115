// `ps --filter volume=|network=|publish=|expose=|health=|is-task=`: filters Docker clients send
// that used to be accepted and ignored (every container matched).
import { strict as assert } from 'node:assert';
import { matches, parseFilters, PRUNE_FILTERS, type MatchContext } from '../../../daemon/containers/filters';
import type { ContainerRecord } from '../../../daemon/containers/record';

function rec(over: { Binds?: string[]; NetworkMode?: string; ExposedPorts?: Record<string, object> }): ContainerRecord {
  return {
    Id: 'a'.repeat(64), Created: new Date(0).toISOString(), Name: '/c', Path: 'sh', Args: [],
    Config: { Image: 'busybox', Labels: {}, ExposedPorts: over.ExposedPorts },
    HostConfig: { Binds: over.Binds ?? null, NetworkMode: over.NetworkMode ?? 'default' },
    Image: 'sha256:' + 'b'.repeat(64), RestartCount: 0, LayerChainIds: [],
    State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 1, ExitCode: 0, Error: '', StartedAt: '', FinishedAt: '' },
  } as unknown as ContainerRecord;
}

const ctx: MatchContext = { imageIdsFor: () => [], find: () => undefined, now: Date.now() };
const keep = (r: ContainerRecord, f: object) => matches(r, parseFilters(JSON.stringify(f)), ctx);

describe('containers: more ps filters', () => {
  it('volume= matches a bind\'s source or destination', () => {
    const r = rec({ Binds: ['/host/data:/data:ro'] });
    assert.equal(keep(r, { volume: { '/host/data': true } }), true);
    assert.equal(keep(r, { volume: { '/data': true } }), true);
    assert.equal(keep(r, { volume: { '/other': true } }), false);
    assert.equal(keep(rec({}), { volume: { '/data': true } }), false);
  });

  it('network= matches bridge for the default mode, and host or none by name', () => {
    assert.equal(keep(rec({}), { network: { bridge: true } }), true);
    assert.equal(keep(rec({}), { network: { host: true } }), false);
    assert.equal(keep(rec({ NetworkMode: 'host' }), { network: { host: true } }), true);
  });

  it('publish= matches nothing (no ports are published); expose= matches ExposedPorts', () => {
    assert.equal(keep(rec({}), { publish: { '80': true } }), false);
    const r = rec({ ExposedPorts: { '80/tcp': {} } });
    assert.equal(keep(r, { expose: { '80': true } }), true);
    assert.equal(keep(r, { expose: { '80/udp': true } }), false);
  });

  it('health= is "none" for every container and refuses unknown values; is-task=true matches nothing', () => {
    assert.equal(keep(rec({}), { health: { none: true } }), true);
    assert.equal(keep(rec({}), { health: { healthy: true } }), false);
    assert.throws(() => parseFilters(JSON.stringify({ health: { sick: true } })), /Unrecognised filter value for health: sick/);
    assert.equal(keep(rec({}), { 'is-task': { true: true } }), false);
    assert.equal(keep(rec({}), { 'is-task': { false: true } }), true);
  });
});

describe('containers: prune filters (label, label!, until) and which keys each endpoint takes', () => {
  const pruneKeep = (r: ContainerRecord, f: object, now = Date.now()) => matches(r, parseFilters(JSON.stringify(f), PRUNE_FILTERS), { ...ctx, now });
  const labelled = (labels: Record<string, string>, created = new Date(0).toISOString()) => ({ ...rec({}), Created: created, Config: { Image: 'busybox', Labels: labels } }) as unknown as ContainerRecord;

  it('label!= keeps what lacks the label (or its value), label= what has it', () => {
    assert.equal(pruneKeep(labelled({ keep: '1' }), { 'label!': { keep: true } }), false);
    assert.equal(pruneKeep(labelled({ other: '1' }), { 'label!': { keep: true } }), true);
    assert.equal(pruneKeep(labelled({ keep: '2' }), { 'label!': { 'keep=1': true } }), true);
    assert.equal(pruneKeep(labelled({ env: 'test' }), { label: { env: true }, 'label!': { keep: true } }), true);
  });

  it('until= takes durations, unix times and dates', () => {
    const now = Date.parse('2026-06-01T00:00:00Z');
    const old = labelled({}, '2026-05-01T00:00:00Z');
    assert.equal(pruneKeep(old, { until: { '24h': true } }, now), true);
    assert.equal(pruneKeep(old, { until: { '1000h': true } }, now), false);
    assert.equal(pruneKeep(old, { until: { [String(Date.parse('2026-05-02T00:00:00Z') / 1000)]: true } }, now), true);
    assert.equal(pruneKeep(old, { until: { '2026-04-01': true } }, now), false);
  });

  it('prune refuses list-only keys and list refuses prune-only keys, with Docker\'s message', () => {
    assert.throws(() => parseFilters('{"status":["exited"]}', PRUNE_FILTERS), /^BerthError: invalid filter 'status'$/);
    assert.throws(() => parseFilters('{"label!":["a"]}'), /invalid filter 'label!'/);
    assert.throws(() => parseFilters('{"until":["1h"]}'), /invalid filter 'until'/);
  });
});
