/**
 * The import rules of DESIGN.md §2, checked by dependency-cruiser over the TypeScript sources
 * (type-only imports count too). test/run-all.sh runs it before the tests; a violation fails the
 * run. `npx depcruise --config .dependency-cruiser.cjs daemon client native` shows them.
 */
const SERVICES = '^daemon/(images|build|containers|exec|volumes|networks)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      severity: 'error',
      comment: 'No import circle between files: break it with an interface owned by the lower module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      scope: 'folder',
      comment: 'No import circle between folders: a folder is a layer or a service.',
      // native/ffi's SyscallError and SpawnError are BerthErrors: it imports daemon/errors/, a
      // leaf folder of its own, so no circle runs daemon/runtime → native/ffi → daemon.
      from: {},
      to: { circular: true },
    },
    {
      name: 'composition-root-imported-by-none',
      severity: 'error',
      comment: 'daemon/main.ts and daemon/compose.ts wire everything; nothing depends on them (main.ts alone imports compose.ts).',
      from: { pathNot: '^daemon/main\\.ts$' },
      to: { path: '^daemon/(main|compose)\\.ts$' },
    },
    {
      name: 'client-over-http-only',
      severity: 'error',
      comment: 'The berth CLI talks to the daemon over HTTP; it shares only the version and the wire types.',
      from: { path: '^client/' },
      to: { path: '^(daemon|native)/', pathNot: '^daemon/(version-info|wire/)' },
    },
    {
      name: 'client-wire-types-only',
      severity: 'error',
      comment: 'client/ takes the wire types with `import type` only, so no daemon code is loaded into the CLI.',
      from: { path: '^client/' },
      to: { path: '^daemon/wire/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'wire-is-a-leaf',
      severity: 'error',
      comment: 'daemon/wire/ holds the API shapes shared with the CLI: types only, importing nothing.',
      from: { path: '^daemon/wire/' },
      to: { path: '^(daemon|native|client)/', pathNot: '^daemon/wire/' },
    },
    {
      name: 'services-not-http',
      severity: 'error',
      comment: 'Services throw BerthError and never touch HTTP: they do not import daemon/api/.',
      from: { path: `${SERVICES}|^daemon/(store|registry|runtime|layers|oci)/` },
      to: { path: '^daemon/api/' },
    },
    {
      name: 'ffi-for-runtime-layers-networks',
      severity: 'error',
      comment:
        'Only daemon/runtime/, daemon/layers/ and daemon/networks/ reach native/ffi, each through an interface with a fake; ' +
        'the composition root may wire a binding into an injected transport (sd_notify).',
      from: { pathNot: '^(daemon/(runtime|layers|networks)/|native/ffi/|daemon/(main|compose)\\.ts$)' },
      to: { path: '^native/ffi/' },
    },
    {
      name: 'lower-layers-not-services',
      severity: 'error',
      comment: 'store/, registry/, runtime/, layers/ and oci/ sit below the services and know nothing of them.',
      from: { path: '^daemon/(store|registry|runtime|layers|oci)/' },
      to: { path: SERVICES },
    },
    {
      name: 'oci-is-pure-data',
      severity: 'error',
      comment: 'daemon/oci/ is pure data: references, digests, media types, validators. No I/O, no other layer.',
      from: { path: '^daemon/oci/' },
      to: { pathNot: '^daemon/(oci/|errors/)|^node:crypto$|^crypto$' },
    },
    {
      name: 'leaves-stay-leaves',
      severity: 'error',
      comment: 'errors/ (BerthError and the code catalogue), log, stdcopy and version-info are imported by everyone, so they import no other daemon module.',
      from: { path: '^daemon/(errors/|(log|stdcopy|version-info)\\.ts$)' },
      to: { path: '^daemon/', pathNot: '^daemon/(errors/|version-info\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
