// Variable substitution and word handling as Docker does it in Dockerfile instructions.
import { strict as assert } from 'node:assert';
import { expandWord, expandWords, mapLookup } from '../../../daemon/dockerfile/shell-lex';
import { keyValues, argDefs, rawWords, healthcheck, parseDuration, wordList } from '../../../daemon/dockerfile/evaluate';
import { parseInstruction } from '../../../daemon/dockerfile/parse';

const env = mapLookup({ A: 'alpha', E: '', SP: 'x y', PATHY: '/usr/bin' });
const w = (s: string) => expandWord(s, env);

describe('variable substitution', () => {
  it('expands $VAR and ${VAR}, unknown to empty', () => {
    assert.equal(w('$A-${A}-$NOPE-${NOPE}.'), 'alpha-alpha--.');
    assert.equal(w('${PATHY}:/bin'), '/usr/bin:/bin');
  });

  it('supports :- - :+ + modifiers', () => {
    assert.equal(w('${NOPE:-def}'), 'def');
    assert.equal(w('${E:-def}'), 'def');
    assert.equal(w('${E-def}'), '');
    assert.equal(w('${NOPE-def}'), 'def');
    assert.equal(w('${A:+alt}'), 'alt');
    assert.equal(w('${E:+alt}'), '');
    assert.equal(w('${E+alt}'), 'alt');
    assert.equal(w('${NOPE:+alt}'), '');
    assert.equal(w('${NOPE:-$A/x}'), 'alpha/x');
  });

  it('errors on ${VAR:?msg} when unset', () => {
    assert.throws(() => w('${NOPE:?must be set}'), /NOPE: must be set/);
    assert.equal(w('${A:?x}'), 'alpha');
  });

  it('treats escaped dollars and single quotes literally, expands in double quotes', () => {
    assert.equal(w('\\$A'), '$A');
    assert.equal(w("'$A'"), '$A');
    assert.equal(w('"$A b"'), 'alpha b');
    assert.equal(w('"\\$A"'), '$A');
    assert.equal(w('"a\\nb"'), 'a\\nb');
    assert.equal(w('a\\ b'), 'a b');
  });

  it('uses the escape directive character', () => {
    assert.equal(expandWord('`$A', env, '`'), '$A');
    assert.equal(expandWord('c:\\dir', env, '`'), 'c:\\dir');
  });

  it('keeps a lone $ and rejects bad substitutions', () => {
    assert.equal(w('cost $ 5 $'), 'cost $ 5 $');
    assert.throws(() => w('${A'), /missing '}'/);
    assert.throws(() => w('${A%x}'), /unsupported modifier/);
  });

  it('splits words on unquoted blanks, including blanks from values', () => {
    assert.deepEqual(expandWords('80 $SP "a b" ""', env), ['80', 'x', 'y', 'a b', '']);
    assert.deepEqual(expandWords('  ', env), []);
  });
});

describe('instruction arguments', () => {
  const ins = (t: string) => parseInstruction({ text: t, line: 1 });

  it('ENV key=value pairs with quotes and substitution', () => {
    assert.deepEqual(keyValues(ins('ENV a=1 b="two words" c=$A d=\\$A'), env, '\\'), [
      ['a', '1'], ['b', 'two words'], ['c', 'alpha'], ['d', '$A'],
    ]);
  });

  it('ENV legacy form takes the rest of the line as the value', () => {
    assert.deepEqual(keyValues(ins('ENV greeting hello  big $A'), env, '\\'), [['greeting', 'hello  big alpha']]);
  });

  it('ENV with a word lacking = is an error', () => {
    assert.throws(() => keyValues(ins('ENV a=1 b'), env, '\\'), /can't find = in "b"/);
  });

  it('LABEL keys may be quoted', () => {
    assert.deepEqual(keyValues(ins('LABEL "com.x.y"="v 1" other=2'), env, '\\'), [['com.x.y', 'v 1'], ['other', '2']]);
  });

  it('ARG names and defaults', () => {
    assert.deepEqual(argDefs(ins('ARG X Y=${A}z'), env, '\\'), [{ name: 'X' }, { name: 'Y', value: 'alphaz' }]);
    assert.throws(() => argDefs(ins('ARG 1x'), env, '\\'), /not a valid variable name/);
  });

  it('raw words keep quotes for later expansion', () => {
    assert.deepEqual(rawWords('a="b c" d=\'e f\' g', '\\'), ['a="b c"', "d='e f'", 'g']);
  });

  it('word lists from JSON or blanks', () => {
    assert.deepEqual(wordList(ins('VOLUME ["/a", "$A"]'), env, '\\'), ['/a', 'alpha']);
    assert.deepEqual(wordList(ins('EXPOSE 80/tcp $SP'), env, '\\'), ['80/tcp', 'x', 'y']);
  });

  it('HEALTHCHECK options and forms', () => {
    assert.deepEqual(healthcheck(ins('HEALTHCHECK NONE')), { Test: ['NONE'] });
    assert.deepEqual(healthcheck(ins('HEALTHCHECK --interval=5s --retries=3 CMD curl -f x')), {
      Test: ['CMD-SHELL', 'curl -f x'], Interval: 5e9, Retries: 3,
    });
    assert.deepEqual(healthcheck(ins('HEALTHCHECK CMD ["a", "b"]')), { Test: ['CMD', 'a', 'b'] });
    assert.equal(parseDuration('1m30s', 'x'), 90e9);
    assert.throws(() => parseDuration('5x', 'interval'), /invalid duration "5x" for --interval/);
  });
});
