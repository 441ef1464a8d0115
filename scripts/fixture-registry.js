#!/usr/bin/env node
// Starts a throw-away docker-registry on 127.0.0.1 with berth's test images pushed to it
// (test/support: hello, busybox, busybox-extra, multi), prints "HOST" (127.0.0.1:PORT) on
// stdout, then serves until SIGTERM/SIGINT or until stdin closes (with --until-stdin-closes).
// For bench scripts, examples/hello-world/run.sh's fallback, and poking at the fixtures by hand.
// Needs a build (npm run build).
'use strict';
const path = require('node:path');

const support = path.join(__dirname, '..', 'dist', 'test', 'support');
const { startRegistry } = require(path.join(support, 'registry.js'));
const { pushFixtures } = require(path.join(support, 'fixtures.js'));

async function main() {
  const registry = await startRegistry();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await registry.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const fixtures = await pushFixtures(registry.host);
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(fixtures) + '\n');
    else process.stdout.write(registry.host + '\n');
  } catch (err) {
    process.stderr.write(`fixture-registry: ${err.message}\n`);
    await registry.stop();
    process.exit(1);
  }
  if (process.argv.includes('--until-stdin-closes')) {
    process.stdin.resume();
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
  } else {
    setInterval(() => undefined, 1 << 30); // keep serving until a signal
  }
}

main().catch((err) => {
  process.stderr.write(`fixture-registry: ${err.message}\n`);
  process.exit(1);
});
