/**
 * A task whose image is in a registry that wants a login: `config { auth { username  password } }`.
 * Nomad sends the credentials with the pull in X-Registry-Auth (coordinator.go:207, encoded by
 * utils.go:233-245). First with a wrong password — the pull must fail before its stream starts,
 * as dockerd's does (500 with the registry's "unauthorized"), which Nomad treats as a recoverable
 * task error — then with the right one.
 */
import { goQuery, type Step } from '../replay';
import { fingerprintSteps } from './fingerprint';
import { imageGcSteps, nomadRegistryAuth, pullSteps } from './task-steps';
import { nomadHeaders, src } from './source';

/** The test sets {{image}}, {{imageRepo}}, {{imageTag}}, {{user}}, {{password}}. */
export function authJobSteps(user: string, password: string): Step[] {
  return [
    ...fingerprintSteps(),
    {
      name: 'pull with a wrong password',
      source: src('drivers/docker/coordinator.go:207-226', 'client/image_pull.go:31'),
      why: 'a failed pull is a recoverable task error (recoverablePullError, coordinator.go:424); dockerd 20.10 answers 500 before any stream (cross-check.ts), as berthd',
      method: 'POST',
      path: (vars) => `/v${vars.v}/images/create${goQuery({ fromImage: vars.imageRepo, tag: vars.imageTag })}`,
      headers: nomadHeaders({ method: 'POST', extra: [['X-Registry-Auth', nomadRegistryAuth(user, `${password}-wrong`)]] }),
      status: 500,
      errorMatches: /unauthorized|authentication required/i,
    },
    {
      name: 'the image is not there after the failed pull',
      source: 'test (ImageInspect as client/image_inspect.go:13 sends it)',
      why: 'nothing that looks complete is left by a refused pull',
      method: 'GET',
      path: '/v{{v}}/images/{{image}}/json',
      headers: nomadHeaders(),
      status: 404,
    },
    ...pullSteps('image', 'imageRepo', 'imageTag', 'imageId', 'registryAuth'),
    ...imageGcSteps('imageId', 200),
  ];
}
