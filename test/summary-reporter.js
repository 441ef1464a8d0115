// A mocha reporter: mocha's own "spec" output, then one closing line that CI reads:
// "N passed, N failed, N skipped". Pending tests count as skipped; a skipped test says why
// in its title (describe/it name or this.skip() reason printed by the test itself).
'use strict';
const Mocha = require('mocha');
const fs = require('node:fs');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, skipped: 0 };
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
    runner.on('pending', () => counts.skipped++);
    runner.once('end', () => {
      const file = process.env.BERTH_SUMMARY_FILE;
      if (file) fs.appendFileSync(file, JSON.stringify(counts) + '\n');
      else process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
    });
  }
}

module.exports = SummaryReporter;
