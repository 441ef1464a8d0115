#!/usr/bin/env node
/**
 * bench/interleave.js: wall time of short commands, measured side by side in interleaved
 * rounds (each round runs every command once, starting at a different one), so load from
 * other work on this shared machine hits every command alike. Prints one JSON object:
 * per command its times (ms) and, per round, its difference to the first command (the
 * anchor, e.g. `node -e 0`): the median of those differences is the robust "cost over the
 * anchor" when the machine is busy.
 *
 *   node bench/interleave.js ROUNDS LABEL=CMD [LABEL=CMD...]
 *
 * CMD is split on spaces and run without a shell (quote-free commands only).
 * A command whose exit status is not 0 is reported in `failures` (its time still counts).
 * Commands run with stdin/stdout/stderr on /dev/null, like `hyperfine -N --output=null`.
 */
'use strict';
const { spawnSync } = require('node:child_process');

const [roundsArg, ...specs] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1 || specs.length === 0) {
  process.stderr.write('usage: node bench/interleave.js ROUNDS LABEL=CMD [LABEL=CMD...]\n');
  process.exit(2);
}
const cmds = specs.map((s) => {
  const eq = s.indexOf('=');
  if (eq < 1) throw new Error(`not LABEL=CMD: ${s}`);
  const argv = s.slice(eq + 1).split(' ').filter(Boolean);
  return { label: s.slice(0, eq), argv, times: [], failures: 0 };
});

function once(c) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.argv[0], c.argv.slice(1), { stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) c.failures++;
  return ms;
}

// One warm-up round (page cache, daemon's first requests), discarded.
for (const c of cmds) once(c);
for (let i = 0; i < rounds; i++) {
  const round = new Array(cmds.length);
  for (let j = 0; j < cmds.length; j++) {
    const k = (i + j) % cmds.length;
    round[k] = once(cmds[k]);
  }
  cmds.forEach((c, k) => c.times.push(round[k]));
}

const q = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
};
const anchor = cmds[0];
const out = cmds.map((c) => {
  const diff = c.times.map((t, i) => t - anchor.times[i]);
  const r1 = (x) => Math.round(x * 10) / 10;
  return {
    label: c.label,
    cmd: c.argv.join(' '),
    n: c.times.length,
    failures: c.failures,
    min: r1(q(c.times, 0)),
    p25: r1(q(c.times, 0.25)),
    median: r1(q(c.times, 0.5)),
    p75: r1(q(c.times, 0.75)),
    overAnchorMedian: r1(q(diff, 0.5)),
    times: c.times.map(r1),
  };
});
process.stdout.write(JSON.stringify(out) + '\n');
