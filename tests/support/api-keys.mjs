// API keys for the tests, made as the account page makes them; every key is recorded for the
// persisted-state scan (the server must keep only its hash).
import { asJson } from './accounts.mjs';
import { call } from './client.mjs';
import { BASE, remember } from './env.mjs';

/**
 * Makes an API key for `staff`; returns the server's summary with the key.
 * @param {import('./accounts.mjs').Staff} staff
 * @param {{ name?: string, scopes?: string[], days?: number, base?: string }} [options]
 * @returns {Promise<{ id: string, key: string, name: string, scopes: string[], expires_at: number }>}
 */
export async function newApiKey(staff, { name, scopes = ['share', 'request', 'inbox'], days = 30, base = BASE } = {}) {
  const res = await call(`${base}/api/account/api-keys`, {
    method: 'POST',
    headers: asJson(staff),
    body: JSON.stringify({
      name: name ?? `job ${Math.random().toString(36).slice(2, 10)}`,
      scopes,
      expires_in_days: days,
    }),
  });
  if (res.status !== 201) throw new Error(`api key: ${res.status} ${JSON.stringify(res.body)}`);
  remember('an API key', res.body.api_key.key);
  return res.body.api_key;
}

/**
 * Headers that authenticate with an API key.
 * @param {{ key: string }} apiKey
 * @param {Record<string, string>} [more]
 */
export function withKey(apiKey, more = {}) {
  return { authorization: `Sealdrop-ApiKey ${apiKey.key}`, ...more };
}
