// Checks Docker makes on POST /containers/create before merging with the image.
import { strict as assert } from 'node:assert';
import { parseCreateRequest } from '../../../daemon/containers/create-config';

describe('containers: create request validation', () => {
  it('refuses a relative WorkingDir with Docker\'s message (docker run -w rel)', () => {
    assert.throws(() => parseCreateRequest({ Image: 'busybox', WorkingDir: 'rel' }),
      (err: Error & { kind?: string }) => err.kind === 'InvalidParameter' && err.message === 'the working directory \'rel\' is invalid, it needs to be an absolute path');
  });

  it('accepts an absolute or empty WorkingDir', () => {
    assert.equal(parseCreateRequest({ Image: 'busybox', WorkingDir: '/new/dir' }).config.WorkingDir, '/new/dir');
    assert.equal(parseCreateRequest({ Image: 'busybox', WorkingDir: '' }).config.WorkingDir, '');
  });
});
