// Starts a throw-away Trygg server for the browser tests.
//
//   const server = await startTrygg();
//   server.url            // "http://127.0.0.1:43123"
//   server.logins.admin   // { role: "admin", email: "…", password: "…" }
//   await server.stop();
//
// Contract with the `trygg` binary (see crates/trygg):
// - `trygg demo --database-url URL` fills a new database with demo data and prints, among
//   other lines, one line per demo user: ROLE<TAB>EMAIL<TAB>PASSWORD;
// - `trygg serve --database-url URL --listen 127.0.0.1:0` prints
//   "Trygg lyssnar på http://127.0.0.1:PORT" once it accepts connections. We wait for that
//   line instead of sleeping, and port 0 lets tests run side by side.
//
// The binary is $TRYGG_BIN if set (relative to the current directory), else
// target/debug/trygg under $CARGO_TARGET_DIR or the repository root.

import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The roles `trygg demo` creates one user for. */
export const DEMO_ROLES = ['admin', 'samordnare', 'analytiker', 'rapportör', 'handläggare', 'läsare'];

const LISTENING = /Trygg lyssnar på (https?:\/\/[^\s/]+)/;

// Guards against a hung binary, not waits: both end as soon as the binary is done. Debug
// builds hash the demo passwords with argon2, hence the generous demo limit.
const DEMO_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Lines of server output kept for failure messages. */
const LOG_TAIL = 80;

export function tryggBinary() {
  if (process.env.TRYGG_BIN) {
    return path.resolve(process.env.TRYGG_BIN);
  }
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR)
    : path.join(REPO_ROOT, 'target');
  return path.join(targetDir, 'debug', 'trygg');
}

/** Terminal colour codes, in case the binary's logging adds them. */
function stripAnsi(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/**
 * Parses the demo logins from `trygg demo` output: lines ROLE<TAB>EMAIL<TAB>PASSWORD whose
 * role is a known demo role. Other lines are ignored.
 */
export function parseDemoLogins(stdout) {
  const logins = {};
  for (const raw of stdout.split(/\r?\n/)) {
    const fields = stripAnsi(raw).trim().split('\t');
    if (fields.length !== 3) {
      continue;
    }
    const [role, email, password] = fields.map((field) => field.trim());
    if (DEMO_ROLES.includes(role) && email.includes('@') && password) {
      logins[role] = { role, email, password };
    }
  }
  return logins;
}

function runDemo(bin, databaseUrl, env) {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ['demo', '--database-url', databaseUrl],
      { env, timeout: DEMO_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `\`${bin} demo --database-url ${databaseUrl}\` failed: ${error.message}\n` +
                `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
            ),
          );
          return;
        }
        const logins = parseDemoLogins(stdout);
        const missing = DEMO_ROLES.filter((role) => !logins[role]);
        if (missing.length > 0) {
          reject(
            new Error(
              `\`trygg demo\` printed no ROLE<TAB>EMAIL<TAB>PASSWORD line for: ${missing.join(', ')}\n` +
                `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
            ),
          );
          return;
        }
        resolve(logins);
      },
    );
  });
}

/**
 * Runs `trygg serve` and resolves once it prints its listening line.
 * Keeps reading both pipes afterwards: a full pipe would block the server's logging.
 */
function startServe(bin, databaseUrl, env) {
  const child = spawn(bin, ['serve', '--database-url', databaseUrl, '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  const remember = (stream) => (line) => {
    log.push(`[${stream}] ${line}`);
    if (log.length > LOG_TAIL) {
      log.shift();
    }
    if (process.env.TRYGG_TEST_VERBOSE) {
      process.stderr.write(`trygg ${stream}: ${line}\n`);
    }
  };
  const logText = () => log.join('\n');

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `\`trygg serve\` did not print "Trygg lyssnar på http://…" within ${START_TIMEOUT_MS / 1000}s\n` +
            logText(),
        ),
      );
    }, START_TIMEOUT_MS);
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `\`trygg serve\` exited (code ${code}, signal ${signal}) before it was listening\n${logText()}`,
        ),
      );
    };
    child.once('exit', onExit);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${bin}: ${error.message}`));
    });

    const stdout = createInterface({ input: child.stdout, crlfDelay: Infinity });
    stdout.on('line', remember('stdout'));
    stdout.on('line', (line) => {
      const match = LISTENING.exec(stripAnsi(line));
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(match[1]);
      }
    });
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', remember('stderr'));
  });

  return { child, ready, logText };
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Creates a fresh SQLite database in a temporary folder, fills it with `trygg demo`, and
 * starts `trygg serve` on a free port.
 */
export async function startTrygg() {
  const bin = tryggBinary();
  if (!existsSync(bin)) {
    throw new Error(
      `The trygg binary is missing at ${bin}. Build it with \`cargo build -p trygg\` ` +
        'or point TRYGG_BIN at one (scripts/browser-test.sh does the build for you).',
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'trygg-browser-'));
  const databaseUrl = `sqlite://${dir}/trygg.db`;
  // The test server speaks plain http, where browsers drop Secure cookies.
  const env = { ...process.env, TRYGG_COOKIE_SECURE: 'false' };

  let child;
  // Should the test process die without calling stop(), don't leave a server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  try {
    const logins = await runDemo(bin, databaseUrl, env);
    const serve = startServe(bin, databaseUrl, env);
    child = serve.child;
    process.once('exit', killOnExit);
    const url = await serve.ready;
    return {
      url,
      logins,
      databaseUrl,
      /** The last lines the server printed, for failure messages. */
      log: serve.logText,
      async stop() {
        process.off('exit', killOnExit);
        await stopChild(serve.child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.off('exit', killOnExit);
    if (child) {
      await stopChild(child);
    }
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
