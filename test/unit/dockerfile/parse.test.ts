// The Dockerfile parser: directives, comments, continuations, flags, forms, stages and errors
// that name the line, checked against what Docker's own parser does with the same text.
import { strict as assert } from 'node:assert';
import { splitLines } from '../../../daemon/dockerfile/lines';
import { parseDockerfile, parseInstruction } from '../../../daemon/dockerfile/parse';

function lines(src: string) {
  return splitLines(src).lines.map((l) => [l.line, l.text]);
}

describe('Dockerfile logical lines', () => {
  it('drops comments and blank lines and keeps line numbers', () => {
    assert.deepEqual(lines('# a comment\n\nFROM scratch\n  # indented comment\nCOPY a /\n'), [[3, 'FROM scratch'], [5, 'COPY a /']]);
  });

  it('joins continuation lines without adding blanks', () => {
    assert.deepEqual(lines('FROM x\nRUN echo a \\\n    b \\  \n c\nCMD d'), [[1, 'FROM x'], [2, 'RUN echo a     b  c'], [5, 'CMD d']]);
  });

  it('skips comments and empty lines inside a continuation', () => {
    assert.deepEqual(lines('RUN a \\\n# comment\n\n  b\nENV x=1'), [[1, 'RUN a   b'], [5, 'ENV x=1']]);
  });

  it('honours # escape=` and then backslash is literal', () => {
    const r = splitLines('# escape=`\nFROM x\nRUN dir c:\\ `\n  && echo');
    assert.equal(r.escape, '`');
    assert.deepEqual(r.lines.map((l) => l.text), ['FROM x', 'RUN dir c:\\   && echo']);
  });

  it('ignores # syntax= and stops reading directives after the first other line', () => {
    const r = splitLines('# syntax=docker/dockerfile:1\n# escape=`\nFROM x');
    assert.equal(r.escape, '`');
    const r2 = splitLines('# hello\n# escape=`\nFROM x');
    assert.equal(r2.escape, '\\');
  });

  it('rejects a bad escape directive naming the line', () => {
    assert.throws(() => splitLines('# escape=x\nFROM a'), /line 1: invalid escape token 'x'/);
  });

  it('handles CRLF line endings and a BOM', () => {
    assert.deepEqual(lines('\uFEFFFROM a\r\nCMD b\r\n'), [[1, 'FROM a'], [2, 'CMD b']]);
  });

  it('a continuation at end of file keeps what it has', () => {
    assert.deepEqual(lines('FROM a\nRUN x \\'), [[1, 'FROM a'], [2, 'RUN x ']]);
  });
});

describe('Dockerfile instructions', () => {
  const p = (text: string) => parseInstruction({ text, line: 7 });

  it('reads keyword case-insensitively and keeps the original text', () => {
    const i = p('run echo hi');
    assert.equal(i.keyword, 'RUN');
    assert.equal(i.args, 'echo hi');
    assert.equal(i.original, 'run echo hi');
  });

  it('recognises the exec (JSON) form and falls back to shell form on bad JSON', () => {
    assert.deepEqual(p('CMD ["/hello", "a b"]').json, ['/hello', 'a b']);
    assert.equal(p('CMD [not json').json, undefined);
    assert.equal(p('CMD [1, 2]').json, undefined);
  });

  it('extracts flags before the arguments', () => {
    const i = p('COPY --from=build --chown=1:2 /a /b');
    assert.equal(i.flags.get('from'), 'build');
    assert.equal(i.flags.get('chown'), '1:2');
    assert.equal(i.args, '/a /b');
  });

  it('rejects unknown flags and unknown instructions with the line', () => {
    assert.throws(() => p('RUN --mount=type=cache ls'), /Dockerfile parse error line 7: Unknown flag: mount/);
    assert.throws(() => p('FOOBAR x'), /^Error: Dockerfile parse error line 7: unknown instruction: FOOBAR$|unknown instruction: FOOBAR/);
  });

  it('checks argument counts', () => {
    assert.throws(() => p('COPY onlyone'), /COPY requires at least two arguments/);
    assert.throws(() => p('FROM a b'), /FROM requires either one or three arguments/);
    assert.throws(() => p('SHELL /bin/bash -c'), /SHELL requires the arguments to be in JSON form/);
    assert.throws(() => p('WORKDIR'), /WORKDIR requires at least one argument/);
    assert.throws(() => p('HEALTHCHECK --interval=5s'), /HEALTHCHECK requires NONE or CMD/);
  });

  it('refuses heredocs with a clear message', () => {
    assert.throws(() => p('RUN <<EOF'), /heredocs .* not supported/);
    assert.throws(() => p('COPY <<"EOF" /x'), /heredocs/);
    assert.doesNotThrow(() => p('RUN echo a<<b'));
  });

  it('validates ONBUILD triggers', () => {
    assert.doesNotThrow(() => p('ONBUILD RUN echo hi'));
    assert.throws(() => p('ONBUILD ONBUILD RUN x'), /ONBUILD ONBUILD/);
    assert.throws(() => p('ONBUILD FROM x'), /FROM isn't allowed as an ONBUILD trigger/);
    assert.throws(() => p('ONBUILD BOGUS x'), /unknown instruction: BOGUS/);
  });
});

describe('Dockerfile stages', () => {
  it('groups instructions by FROM and names stages', () => {
    const df = parseDockerfile('ARG V=1\nFROM busybox:${V} AS Build\nRUN a\nFROM scratch\nCOPY --from=build /a /a\n');
    assert.equal(df.metaArgs.length, 1);
    assert.equal(df.stages.length, 2);
    assert.equal(df.stages[0]?.name, 'build');
    assert.equal(df.stages[0]?.commands.length, 1);
    assert.equal(df.stages[1]?.name, undefined);
    assert.equal(df.stages[1]?.commands[0]?.keyword, 'COPY');
  });

  it('reports unknown instructions with the physical line number', () => {
    assert.throws(() => parseDockerfile('FROM scratch\n# c\nFOOBAR x\n'), /Dockerfile parse error line 3: unknown instruction: FOOBAR/);
    assert.throws(() => parseDockerfile('FROM scratch\nRUN a \\\n b\nBAD'), /line 4: unknown instruction: BAD/);
  });

  it('requires FROM first (only ARG may precede) and at least one FROM', () => {
    assert.throws(() => parseDockerfile('RUN x\nFROM a'), /line 1: RUN before the first FROM/);
    assert.throws(() => parseDockerfile('# only a comment\n'), /no FROM instruction/);
  });

  it('rejects duplicate and invalid stage names', () => {
    assert.throws(() => parseDockerfile('FROM a AS x\nFROM b AS x'), /line 2: duplicate name x/);
    assert.throws(() => parseDockerfile('FROM a AS 1x'), /invalid name for build stage/);
  });
});
