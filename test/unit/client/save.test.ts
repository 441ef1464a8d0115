// `berth save -o`: a bad output path is named the way the docker CLI names it, before any
// request, instead of surfacing a temp file's ENOENT.
import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateOutputPath } from '../../../client/commands/save';

describe('client save: output path', () => {
  it('refuses a file in a directory that does not exist, with Docker\'s message', () => {
    assert.throws(() => validateOutputPath('/nonexistent-berth-dir/x.tar'), (e: Error) => e.message === 'failed to save image: invalid output path: directory "/nonexistent-berth-dir" does not exist');
  });

  it('accepts a file in an existing directory and a bare file name', () => {
    assert.doesNotThrow(() => validateOutputPath(path.join(os.tmpdir(), 'x.tar')));
    assert.doesNotThrow(() => validateOutputPath('x.tar'));
  });
});
