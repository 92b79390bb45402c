// Starts the Rathaus demo server for a test run: a fresh SQLite database in a temporary folder,
// a free port on the loopback address, and the binary that `cargo build -p rathaus` leaves in
// target/debug. Tests get the base URL and stop the server when they are done.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
// Cargo builds into CARGO_TARGET_DIR when it is set (CI keeps one outside the checkout).
const targetDir = process.env.CARGO_TARGET_DIR
  ? resolve(repoRoot, process.env.CARGO_TARGET_DIR)
  : join(repoRoot, 'target');
const binary = join(targetDir, 'debug', 'rathaus');
const readyTimeoutMs = 60_000;

/** Asks the operating system for a port that is free right now. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Spawns `rathaus demo` and resolves once it prints its ready line.
 * @param {object} [options]
 * @param {Record<string, string>} [options.env] extra settings, such as the mail server
 * @param {{ email: string, name: string, password: string }} [options.admin] an administrator
 *   to create with `rathaus staff create-admin` before the server starts
 * @param {number} [options.port] the port to listen on, when something started before the
 *   server must know its address (an identity provider's callback); a free one otherwise
 * @returns {Promise<{ baseUrl: string, stop: () => Promise<void> }>}
 */
export async function startServer({ env: extraEnv = {}, admin, port: requestedPort } = {}) {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing. Build it first, from the repository root: cargo build -p rathaus`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'rathaus-browser-'));
  const port = requestedPort ?? (await freePort());
  const env = { ...process.env, ...extraEnv, RATHAUS_DATABASE__URL: `sqlite://${join(dataDir, 'test.db')}` };
  if (admin) {
    const created = spawnSync(binary, ['staff', 'create-admin', '--email', admin.email, '--name', admin.name], {
      cwd: repoRoot,
      env: { ...env, RATHAUS_ADMIN_PASSWORD: admin.password },
      encoding: 'utf8',
    });
    if (created.status !== 0) {
      throw new Error(`rathaus staff create-admin failed:\n${created.stdout}${created.stderr}`);
    }
  }
  const child = spawn(binary, ['demo', '--listen', `127.0.0.1:${port}`], {
    cwd: repoRoot, // the demo content is found relative to the repository root
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Keep the server's output: if it does not come up, its log says why.
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stderr.on('data', keep);

  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));

  const baseUrl = await new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rathaus did not print its ready line within ${readyTimeoutMs / 1000} s. Its output:\n${log}`));
    }, readyTimeoutMs);
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      stdout += chunk.toString();
      const match = stdout.match(/Rathaus is ready: (http:\/\/\S+?)\/de\//);
      if (match) {
        clearTimeout(timer);
        resolveReady(match[1]);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${binary}: ${error.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`rathaus exited before it was ready (code ${code}, signal ${signal}). Its output:\n${log}`));
    });
  });

  return {
    baseUrl,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const stopped = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 10_000))]);
        if (!stopped) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
