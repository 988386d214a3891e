// The pages in WebKit, Safari's engine (tests/engines/suite.mjs holds the tests, one place for
// both engines). WebKitGTK keeps no Secure cookie on http://127.0.0.1, where the suites' stack
// runs (Chromium and Firefox take loopback for a secure origin): the pages that need a session run
// against a stack of this suite's own over https, with wrangler's self-signed certificate, which
// the engine (acceptInsecureCerts) and this process (for the API calls that set up accounts)
// accept on loopback.
import { after } from 'node:test';
import { join } from 'node:path';
import { ROOT, startStack } from '../support/stack.mjs';
import { engineSuite } from './suite.mjs';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const secure = await startStack({
  port: 8792,
  stateDir: join(ROOT, '.wrangler/test-webkit-https/state'),
  logFile: join(ROOT, '.wrangler/test-webkit-https/wrangler.log'),
  https: true,
});
after(() => secure.stop());

engineSuite('webkit', { sessions: { base: secure.url, stateDir: secure.stateDir } });
