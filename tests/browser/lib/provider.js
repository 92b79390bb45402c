// Starts the local OpenID provider of tests/oidc (oidc-provider, a real implementation of the
// protocol) for a browser test, and writes the Rathaus configuration that connects a portal at
// `portalUrl` to it. The provider shows a login page with one button per test account.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './server.js';

const folder = join(repoRoot, 'tests', 'oidc');

/**
 * @param {string} portalUrl the address the portal will be reached at, such as
 *   `http://localhost:8123`
 * @returns {Promise<{ issuer: string, configFile: string, stop: () => void }>}
 */
export async function startProvider(portalUrl) {
  if (!existsSync(join(folder, 'node_modules', 'oidc-provider'))) {
    throw new Error('the test provider is not installed: run `npm --prefix tests/oidc ci` first');
  }
  const callbacks = ['de', 'en', 'ls'].map((lang) => `${portalUrl}/${lang}/account/provider/callback`);
  const child = spawn(process.execPath, [join(folder, 'provider.js'), ...callbacks], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const firstLine = await new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolveLine);
    child.once('exit', (code) => reject(new Error(`the test provider exited with ${code}`)));
  });
  const { issuer } = JSON.parse(firstLine);

  const configDir = mkdtempSync(join(tmpdir(), 'rathaus-provider-'));
  const configFile = join(configDir, 'rathaus.toml');
  writeFileSync(
    configFile,
    `[[identity.providers]]
id = "stadt"
display_name = "Stadt-Login"
issuer_url = "${issuer}"
client_id = "rathaus"
client_secret = "rathaus-test-secret"

[identity.providers.claims]
given_name = "person.given_names"
family_name = "person.family_name"

[identity.providers.trust_levels]
level1 = "low"
level3 = "substantial"
level4 = "high"
`,
  );

  return {
    issuer,
    configFile,
    stop() {
      child.stdin.end();
      child.kill();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
