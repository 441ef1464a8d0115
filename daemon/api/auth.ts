/** POST /auth (docker login): the body is an AuthConfig; the reply Docker's `{"Status": ...}`. */
import express, { Router } from 'express';
import type { AuthService } from '../images/auth';
import { invalid } from '../errors';
import { authConfigFromJson } from '../registry';
import { asyncHandler } from './errors';

export function authRouter(auth: Pick<AuthService, 'login'>): Router {
  const r = Router();
  r.post(
    '/auth',
    express.json({ limit: '64kb' }),
    asyncHandler(async (req, res) => {
      const body = req.body as unknown;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('POST /auth needs a JSON object with username, password and serveraddress');
      res.json(await auth.login(authConfigFromJson(body as Record<string, unknown>)));
    }),
  );
  return r;
}
