/**
 * The replay client for orchestrator transcripts (see ../README.md): raw HTTP over the socket
 * (http.ts), typed checks with Go's decoding rules (checks.ts), ordered steps with captured
 * variables and held requests (transcript.ts), and the daemon set-up they share (daemon.ts).
 */
export * from './checks';
export * from './http';
export * from './transcript';
export * from './daemon';
export * from './go-client';
export * from './go-types';
