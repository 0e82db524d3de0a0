// A real OpenID provider (panva/oidc-provider) for the end-to-end tests.
//
// Usage: node provider.mjs [--port N] [--clients JSON] [--accounts JSON]
// or the env vars OIDC_PORT, OIDC_CLIENTS and OIDC_ACCOUNTS.
//
// --port 0 (the default) picks a free port. Once listening, one line of JSON,
// {"issuer": "http://127.0.0.1:PORT"}, is printed to stdout; nothing else is.
//
// Clients: a JSON list of client metadata (client_id, client_secret,
// redirect_uris, post_logout_redirect_uris, and optionally any other
// registered metadata such as token_endpoint_auth_method).
//
// Accounts: the development login form accepts any login, which becomes the
// sub. A login containing '@' is also the account's (verified) email. The
// accounts JSON maps a sub to claims that override those defaults, e.g.
// {"bob@acme.test": {"email_verified": false}} or {"00u1": {"email": "x@y"}}.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fstatSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values: argv } = parseArgs({
  options: {
    port: { type: 'string' },
    clients: { type: 'string' },
    accounts: { type: 'string' },
  },
});

const port = Number(argv.port ?? process.env.OIDC_PORT ?? 0);
const clients = JSON.parse(argv.clients ?? process.env.OIDC_CLIENTS ?? '[]');
const accounts = JSON.parse(argv.accounts ?? process.env.OIDC_ACCOUNTS ?? '{}');
const verbose = Boolean(process.env.OIDC_PROVIDER_VERBOSE);

// stdout carries only the JSON line; oidc-provider's development-mode
// notices (expected here) are dropped unless OIDC_PROVIDER_VERBOSE is set.
for (const level of ['log', 'info', 'warn']) {
  console[level] = (...args) => {
    const line = args.join(' ');
    if (verbose || !line.startsWith('oidc-provider ')) process.stderr.write(`${line}\n`);
  };
}

// Imported only now so its import-time notices go through the filter above.
const { default: Provider } = await import('oidc-provider');

/** Return the claims of the account with the given sub. */
function claimsFor(sub) {
  const email = sub.includes('@') ? sub : undefined;
  return {
    sub,
    email,
    email_verified: email !== undefined,
    name: (email ?? sub).split('@')[0],
    ...accounts[sub],
  };
}

// Fresh keys per run: tokens from another run must never verify.
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'jwk' });

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: clients.map((client) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...client,
    })),
    jwks: { keys: [{ ...signingKey, kid: 'test-signing-key', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    responseTypes: ['code'],
    // Clients under test must always send PKCE (S256 is the only method).
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Put the scope claims in the ID token too, not only at userinfo.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
    },
    findAccount: (ctx, sub) => ({
      accountId: sub,
      claims: () => claimsFor(sub),
    }),
  });

  // Protocol errors are what a failing test needs to see, so keep them.
  for (const event of ['authorization.error', 'grant.error', 'end_session.error', 'server_error']) {
    provider.on(event, (ctx, error) => {
      process.stderr.write(`oidc ${event}: ${error.error ?? error.name}: ${error.error_description ?? error.message}\n`);
    });
  }

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A parent holding our stdin pipe going away means the test run is over;
// stdin from a terminal or /dev/null is left alone so manual runs work.
if (fstatSync(0).isFIFO()) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
