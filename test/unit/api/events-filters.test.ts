// GET /events filters as dockerd's daemon/events/filter.go: volume/network match the actor's
// ID or name (prefixes too), scope, and unknown keys refused instead of ignored.
import { strict as assert } from 'node:assert';
import { matches, parseEventFilters } from '../../../daemon/api/events';
import type { DockerEvent } from '../../../daemon/events';

const ev = (Type: DockerEvent['Type'], ID: string, Attributes: Record<string, string> = {}, Action = 'mount'): DockerEvent =>
  ({ Type, Action, Actor: { ID, Attributes }, scope: 'local', time: 0, timeNano: 0 });

describe('api: event filters', () => {
  it('volume= keeps that volume\'s events only; network= matches the ID or the name', () => {
    const f = parseEventFilters(JSON.stringify({ volume: ['data'] }));
    assert.equal(matches(ev('volume', 'data', { container: 'c1' }), f), true);
    assert.equal(matches(ev('volume', 'other', { container: 'c1' }), f), false);
    assert.equal(matches(ev('container', 'c1', { name: 'web' }, 'start'), f), false);
    const n = parseEventFilters(JSON.stringify({ network: { front: true } }));
    assert.equal(matches(ev('network', 'abc123', { name: 'front' }, 'connect'), n), true);
    assert.equal(matches(ev('network', 'abc123', { name: 'back' }, 'connect'), n), false);
    assert.equal(matches(ev('network', 'abc123', { name: 'back' }, 'connect'), parseEventFilters('{"network":["abc"]}')), true);
  });

  it('scope=local keeps everything here; an unknown key is refused', () => {
    assert.equal(matches(ev('volume', 'v'), parseEventFilters('{"scope":["local"]}')), true);
    assert.equal(matches(ev('volume', 'v'), parseEventFilters('{"scope":["swarm"]}')), false);
    assert.throws(() => parseEventFilters('{"colour":["red"]}'), /invalid filter 'colour'/);
  });
});
