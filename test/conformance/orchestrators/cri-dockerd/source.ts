/**
 * Where cri-dockerd's calls come from: every step cites `cri-dockerd <path>:<line>` at this
 * commit of github.com/Mirantis/cri-dockerd (its vendored moby client is v27.0.2, API 1.46).
 */
export const CRI_DOCKERD_COMMIT = '246bd65780eb7a9ed294192474d6015330aa8048';

/** `cri-dockerd core/sandbox_run.go:123` */
export function src(pathLine: string): string {
  return `cri-dockerd ${pathLine}`;
}

/** The moby client cri-dockerd vendors: api/common.go DefaultVersion. */
export const CLIENT_MAX_API = '1.46';
