// Two OpenID providers on loopback ports for the Rust tests of signing in through identity
// providers (crates/web/tests/oidc.rs):
//
// - a real one, oidc-provider, with one confidential client and test accounts whose ID
//   tokens carry different `acr` values. Its login is done without a form: the interaction
//   page signs in the account named by `login_hint`; without one (in a real browser) it
//   shows a page with a button for each account.
// - a forging issuer with its own discovery document and keys, whose token endpoint returns
//   ID tokens broken on purpose: the case is chosen by a `forge` parameter added to the
//   authorization request (good, wrong-issuer, wrong-audience, bad-signature, alg-none,
//   expired).
//
// Usage: node provider.js REDIRECT_URI...   (tests/browser/lib/provider.js starts it too)
// It prints one JSON line with both issuer URLs, then reads commands from standard input,
// one JSON object a line, and answers each with one JSON line:
//   {"drive": URL}  follows the browser's way from an authorization URL through the
//                   provider's pages (keeping their cookies) and answers {"location": URL}
//                   with the address the provider sends the browser back to.
// It ends when standard input closes.

import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import * as jose from 'jose';
import Provider from 'oidc-provider';

// Standard output carries only the answers to the test: oidc-provider's notices go to
// standard error.
const answer = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);
for (const name of ['log', 'info', 'warn']) {
  console[name] = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);
}

const CLIENT_ID = 'rathaus';
const CLIENT_SECRET = 'rathaus-test-secret';
const redirectUris = process.argv.slice(2);
if (redirectUris.length === 0) {
  console.error('usage: node provider.js REDIRECT_URI...');
  process.exit(2);
}

// The test accounts: Erika proved her identity with the online ID card (level4), Max only
// with a password at the provider (level1). Anna and Bert are staff: Anna signed in with a
// one-time code as second factor, Bert with a password only.
const ACCOUNTS = {
  anna: {
    acr: 'level3',
    amr: ['pwd', 'otp'],
    claims: { email: 'anna.huber@rathaus.example', email_verified: true, given_name: 'Anna', family_name: 'Huber' },
  },
  bert: {
    acr: 'level1',
    amr: ['pwd'],
    claims: { email: 'bert.maier@rathaus.example', email_verified: true, given_name: 'Bert', family_name: 'Maier' },
  },
  erika: {
    acr: 'level4',
    claims: {
      email: 'erika@example.org',
      email_verified: true,
      given_name: 'Erika',
      family_name: 'Mustermann',
      birthdate: '1964-08-12',
      address: {
        street_address: 'Marienplatz',
        house_number: '8',
        postal_code: '80331',
        locality: 'München',
        country: 'DE',
      },
    },
  },
  max: {
    acr: 'level1',
    claims: {
      email: 'max@example.org',
      email_verified: true,
      given_name: 'Max',
      family_name: 'Mustermann',
    },
  },
};

/** Listens on a free loopback port and resolves with the base URL. */
function listen(server) {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

async function startRealProvider() {
  const server = createServer();
  const issuer = await listen(server);
  const keys = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(keys.privateKey)), kid: 'real', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        // As Keycloak does, name the level of every login in the ID token.
        default_acr_values: ['level1', 'level3', 'level4'],
      },
    ],
    jwks: { keys: [jwk] },
    acrValues: ['level1', 'level3', 'level4'],
    claims: {
      openid: ['sub', 'acr', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'birthdate'],
      address: ['address'],
    },
    scopes: ['openid', 'email', 'profile', 'address'],
    // Put the claims of the scopes into the ID token, where Rathaus reads them.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
    },
    // A first-party client: every scope is granted without asking.
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile address');
      await grant.save();
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
  });
  provider.proxy = false;

  const handle = provider.callback();
  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (!match) return handle(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      let accountId = details.params.login_hint;
      if (match[2] && req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        accountId = new URLSearchParams(body).get('account');
      } else if (!accountId) {
        return loginPage(res, match[1]);
      }
      const account = ACCOUNTS[accountId];
      if (!account) {
        return provider.interactionFinished(req, res, {
          error: 'access_denied',
          error_description: 'unknown test account',
        });
      }
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId, acr: account.acr, amr: account.amr ?? ['pwd'] } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
  return issuer;
}

/** The provider's login page for a browser (the Rust tests name the account in
 * `login_hint` instead): one button for each test account. */
function loginPage(res, uid) {
  const buttons = Object.entries(ACCOUNTS)
    .map(([id, account]) => `<button name="account" value="${id}">${account.claims.given_name} (${account.acr})</button>`)
    .join('\n');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="de"><head><title>Test-Anmeldung</title></head><body><main>
<h1>Test-Anmeldung</h1>
<form method="post" action="/interaction/${uid}/login">
${buttons}
</form></main></body></html>`);
}

async function startForgingIssuer() {
  const server = createServer();
  const issuer = await listen(server);
  const published = await jose.generateKeyPair('RS256', { extractable: true });
  const other = await jose.generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await jose.exportJWK(published.publicKey)), kid: 'forge', alg: 'RS256', use: 'sig' };

  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function idToken(forge, nonce) {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      nonce,
      email: 'forged@example.org',
      email_verified: true,
      given_name: 'Fritz',
      family_name: 'Fälscher',
      acr: 'level4',
    };
    const times = forge === 'expired' ? { iat: now - 1200, exp: now - 600 } : { iat: now, exp: now + 300 };
    const payload = {
      ...claims,
      ...times,
      iss: forge === 'wrong-issuer' ? 'http://127.0.0.1:9/elsewhere' : issuer,
      aud: forge === 'wrong-audience' ? 'another-client' : CLIENT_ID,
      sub: `forged-${forge}`,
    };
    if (forge === 'alg-none') {
      return new jose.UnsecuredJWT(payload).encode();
    }
    const key = forge === 'bad-signature' ? other.privateKey : published.privateKey;
    return new jose.SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'forge' }).sign(key);
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === '/jwks') return json(res, 200, { keys: [publicJwk] });
    if (url.pathname === '/authorize') {
      // The code carries the case and the nonce to the token endpoint.
      const code = Buffer.from(
        JSON.stringify({ forge: url.searchParams.get('forge') ?? 'good', nonce: url.searchParams.get('nonce') }),
      ).toString('base64url');
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state'));
      res.writeHead(303, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const { forge, nonce } = JSON.parse(Buffer.from(form.get('code') ?? '', 'base64url').toString() || '{}');
      return json(res, 200, {
        access_token: 'forged-access-token',
        token_type: 'Bearer',
        expires_in: 300,
        id_token: await idToken(forge, nonce),
      });
    }
    json(res, 404, { error: 'not_found' });
  });
  return issuer;
}

/** Follows redirects from `start` like a browser, keeping cookies per host, until the
 * way leaves both providers; returns that last address. */
async function drive(start, issuers) {
  const jar = new Map();
  let url = start;
  for (let step = 0; step < 20; step += 1) {
    const target = new URL(url);
    if (!issuers.includes(target.origin)) return url;
    const cookies = jar.get(target.origin) ?? new Map();
    const response = await fetch(target, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    jar.set(target.origin, cookies);
    const location = response.headers.get('location');
    if (!location) {
      throw new Error(`no redirect from ${target.pathname}: ${response.status} ${await response.text()}`);
    }
    url = new URL(location, target).toString();
  }
  throw new Error('too many redirects');
}

const issuer = await startRealProvider();
const forgingIssuer = await startForgingIssuer();
answer({ issuer, forging_issuer: forgingIssuer });

const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  try {
    const command = JSON.parse(line);
    const location = await drive(command.drive, [issuer, forgingIssuer]);
    answer({ location });
  } catch (error) {
    answer({ error: String(error) });
  }
});
lines.on('close', () => process.exit(0));
