// The Go-template subset used by --format: fields, json, pipelines, if/range, table headers.
import { strict as assert } from 'node:assert';
import { Template, goValue } from '../../../client/template';

describe('client template', () => {
  const data = { ID: 'abc', Config: { Cmd: ['sh', '-c'], Labels: { b: '2', a: '1' }, Entrypoint: null }, Tags: ['x:1', 'y:2'], Size: 42, Empty: [] };

  it('renders fields, nested fields and literals', () => {
    assert.equal(new Template('{{.ID}} {{.Config.Cmd}} {{.Size}}').execute(data), 'abc [sh -c] 42');
    assert.equal(new Template('{{.Config.Entrypoint}}').execute(data), '<nil>');
    assert.equal(new Template('{{.Config.Labels}}').execute(data), 'map[a:1 b:2]');
    assert.equal(new Template('{{.Nope}}').execute(data), '<no value>');
  });

  it('renders json of the whole value and of a field', () => {
    assert.equal(new Template('{{json .Config.Cmd}}').execute(data), '["sh","-c"]');
    assert.deepEqual(JSON.parse(new Template('{{json .}}').execute(data)), data);
    assert.equal(new Template('{{.Config.Cmd | json}}').execute(data), '["sh","-c"]');
  });

  it('supports functions, if/else, range and trimming', () => {
    assert.equal(new Template('{{join .Tags ","}}').execute(data), 'x:1,y:2');
    assert.equal(new Template('{{upper .ID}} {{len .Tags}}').execute(data), 'ABC 2');
    assert.equal(new Template('{{range .Tags}}[{{.}}]{{end}}').execute(data), '[x:1][y:2]');
    assert.equal(new Template('{{if .Empty}}yes{{else}}no{{end}}').execute(data), 'no');
    assert.equal(new Template('{{index .Config.Labels "a"}}').execute(data), '1');
    assert.equal(new Template('a  {{- .ID -}}  b').execute(data), 'aabcb');
  });

  it('renders `table` formats with headers through the tabwriter, and \\t escapes', () => {
    const t = new Template('table {{.ID}}\\t{{.Size}}');
    assert.equal(t.renderAll([data, { ...data, ID: 'defghijklmnop', Size: 1 }], { ID: 'IMAGE ID' }), 'IMAGE ID        SIZE\nabc             42\ndefghijklmnop   1\n');
    assert.equal(new Template('{{.ID}}').renderAll([data, data]), 'abc\nabc\n');
  });

  it('rejects unknown functions with a clear error', () => {
    assert.throws(() => new Template('{{nosuch .ID}}').execute(data), /function "nosuch" not defined/);
    assert.throws(() => new Template('{{if .ID}}x').execute(data), /missing \{\{end\}\}/);
  });

  it('prints values as Go %v does', () => {
    assert.equal(goValue([1, 'a', true]), '[1 a true]');
    assert.equal(goValue({}), 'map[]');
  });
});
