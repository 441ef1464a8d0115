// `docker top CONTAINER -o pid,comm` / `top C aux`: the host's ps output filtered to the
// container's pids, as moby's parsePSOutput does.
import { strict as assert } from 'node:assert';
import { parsePsOutput, psArgv } from '../../../daemon/containers/top-ps';

describe('containers: top with ps options', () => {
  const ps = [
    'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
    'root           1  0.0  0.1  22000  9000 ?        Ss   14:00   0:01 /sbin/init splash',
    'root         500  0.0  0.0   1000   500 ?        S    14:01   0:00 sleep 100',
    'root         501  0.0  0.0   1000   500 ?        S    14:01   0:00 sh -c echo a b',
    '',
  ].join('\n');

  it('keeps only the container\'s pids and keeps the command as one cell', () => {
    const body = parsePsOutput(ps, [500, 501]);
    assert.deepEqual(body.Titles, ['USER', 'PID', '%CPU', '%MEM', 'VSZ', 'RSS', 'TTY', 'STAT', 'START', 'TIME', 'COMMAND']);
    assert.deepEqual(body.Processes.map((p) => p[1]), ['500', '501']);
    assert.equal(body.Processes[1]?.[10], 'sh -c echo a b');
    assert.equal(body.Processes[1]?.length, 11);
  });

  it('uses the columns the user asked for (-o pid,comm)', () => {
    const body = parsePsOutput('    PID COMMAND\n      1 systemd\n    500 sleep\n', [500]);
    assert.deepEqual(body, { Titles: ['PID', 'COMMAND'], Processes: [['500', 'sleep']] });
  });

  it('keeps thread rows after a container process (ps m)', () => {
    const out = '    PID TTY      STAT   TIME COMMAND\n    500 ?        -      0:00 sleep 100\n      - -        S      0:00 -\n      1 ?        -      0:00 init\n      - -        S      0:00 -\n';
    assert.equal(parsePsOutput(out, [500]).Processes.length, 2);
  });

  it('refuses output without a PID column', () => {
    assert.throws(() => parsePsOutput('USER COMMAND\nroot sh\n', [1]), /Couldn't find PID field/);
  });

  it('splits ps_args on whitespace', () => {
    assert.deepEqual(psArgv('  -o   pid,comm '), ['-o', 'pid,comm']);
  });
});
