'use strict';
// Starts a real Herald server (the packaged jar) for one test file or one describe() group.
//
// Lives outside test/ on purpose: on Node 20, `node --test test/` runs every .js file under a
// directory named `test` as a test file, helpers included.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { before, after } = require('node:test');

const APP = Object.freeze({ id: 'app-id', key: 'app-key', secret: 'app-secret' });
const HOST = '127.0.0.1';
const DEFAULT_JAR = path.resolve(__dirname, '../../../../target/herald-server.jar');
const STARTUP_TIMEOUT_MS = 20000;

const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => process.exit(130));
}

// node:test only finishes a file once its event loop is empty, so a leaked socket or timer
// would hang the whole run. After the file's last hook, give it 20 s to drain, then fail loudly
// with the handles that kept it alive. The timer is unref'd: it never delays a clean exit.
after(() => {
  setTimeout(() => {
    const handles = process._getActiveHandles().map((h) => h.constructor && h.constructor.name);
    process.stderr.write(`test file did not exit 20 s after its last test; open handles: ${JSON.stringify(handles)}\n`);
    process.exit(1);
  }, 20000).unref();
});

let jarCopy = null;
/**
 * The jar to run: a private copy of $HERALD_JAR (default target/herald-server.jar), taken once
 * per test file, so that a rebuild of target/ during the run cannot pull classes from under a
 * running server.
 */
function jarPath() {
  if (jarCopy) return jarCopy;
  const jar = process.env.HERALD_JAR || DEFAULT_JAR;
  if (!fs.existsSync(jar)) {
    throw new Error(`Herald jar not found at ${jar}: build it first ` +
      '(./mvnw -pl herald-server package -DskipTests -DskipITs) or set HERALD_JAR');
  }
  const copy = path.join(os.tmpdir(), `herald-node-test-${process.pid}.jar`);
  fs.copyFileSync(jar, copy);
  process.on('exit', () => fs.rmSync(copy, { force: true }));
  jarCopy = copy;
  return copy;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function healthStatus(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: '/health', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `java -jar $HERALD_JAR` on a free loopback port with the given HERALD_* overrides and
 * resolves once GET /health answers 200. `jvmArgs` go before `-jar` (JVM settings such as
 * bin/herald's, or a heap cap).
 */
async function startServer(envOverrides = {}, { flags = null, killOnStop = false, jvmArgs = [] } = {}) {
  const jar = jarPath();
  const port = await freePort();
  const logFile = path.join(os.tmpdir(), `herald-node-test-${process.pid}-${port}.log`);
  const log = fs.createWriteStream(logFile);
  const tail = [];
  // With `flags`, host and port (and the given settings) are passed as command-line flags only.
  const env = {
    ...process.env,
    // The metrics listener (default 9601) is shared by every server on the machine: off.
    HERALD_METRICS_PORT: '-1',
    // a short warm-up: the tests start many servers, and none checks the warm-up
    HERALD_WARM_UP_CONNECTIONS: '100',
    ...(flags ? {} : { HERALD_HOST: HOST, HERALD_PORT: String(port) }),
    ...Object.fromEntries(Object.entries(envOverrides).map(([k, v]) => [k, String(v)])),
  };
  const args = flags ? ['--host', HOST, '--port', String(port), ...flags] : [];
  const child = spawn('java', [...jvmArgs, '-jar', jar, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve(exited);
    });
  });
  const onData = (chunk) => {
    log.write(chunk);
    if (process.env.HERALD_TEST_VERBOSE) process.stderr.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (line) tail.push(line);
    }
    while (tail.length > 60) tail.shift();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      throw new Error(`Herald exited during startup (${JSON.stringify(exited)}), env ` +
        `${JSON.stringify(envOverrides)}. Last output:\n${tail.join('\n')}`);
    }
    if ((await healthStatus(port)) === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Herald did not answer GET /health with 200 within ${STARTUP_TIMEOUT_MS} ms. ` +
        `Last output:\n${tail.join('\n')}`);
    }
    await sleep(50);
  }

  return {
    host: HOST,
    port,
    /** The JVM's process id (java is spawned directly, not through a shell). */
    pid: child.pid,
    app: Object.freeze({
      id: envOverrides.HERALD_APP_ID || APP.id,
      key: envOverrides.HERALD_APP_KEY || APP.key,
      secret: envOverrides.HERALD_APP_SECRET || APP.secret,
    }),
    env: envOverrides,
    logFile,
    /** Last lines of server output, for failure messages. */
    tail: () => tail.join('\n'),
    /** null while running, else {code, signal}. */
    exitInfo: () => exited,
    /**
     * SIGTERM, then SIGKILL after 5 s (SIGKILL at once if started with killOnStop, for a server
     * whose graceful shutdown would only wait on something failing on purpose); resolves with
     * {code, signal, killed}.
     */
    async stop() {
      let killed = false;
      if (!exited) {
        child.kill(killOnStop ? 'SIGKILL' : 'SIGTERM');
        const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      log.end();
      return { ...exited, killed };
    },
  };
}

/**
 * Registers before/after hooks (at file level, or inside the calling describe()) that start one
 * server for the enclosing scope. Returns a handle whose fields are filled once `before` ran.
 * envOverrides may be an (async) function returning the overrides, called in that `before` hook,
 * for settings only known at run time (a webhook receiver's URL, a free metrics port).
 */
function useServer(envOverrides = {}, options = {}) {
  const handle = {};
  before(async () => {
    const env = typeof envOverrides === 'function' ? await envOverrides() : envOverrides;
    Object.assign(handle, await startServer(env, options));
  });
  after(async () => {
    if (handle.stop) await handle.stop();
  });
  return handle;
}

module.exports = { APP, HOST, jarPath, startServer, useServer, freePort, sleep };
