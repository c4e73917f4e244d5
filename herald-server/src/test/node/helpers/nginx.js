'use strict';
// Debian's nginx in front of a test server: TLS with a certificate made at test time, the
// WebSocket and API under /ws/, and /apps/ forwarded to /ws/apps/ for the node SDK.
//
// The server block is the one docs/deploy.md shows (its first ```nginx block), with only the
// listen address, the certificate paths and Herald's port replaced: the documented
// configuration is the tested one. Everything else nginx needs (pid, logs, temp directories)
// points into a temp directory, so the test touches nothing of the system's nginx.

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { before, after } = require('node:test');
const { HOST, freePort, sleep } = require('./server');

const DOC = path.resolve(__dirname, '../../../../../docs/deploy.md');
const STARTUP_TIMEOUT_MS = 10000;

/** nginx from PATH, else where Debian installs it (/usr/sbin is not on every user's PATH). */
function nginxBinary() {
  if (process.env.NGINX) return process.env.NGINX;
  for (const dir of [...(process.env.PATH || '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin']) {
    const candidate = path.join(dir, 'nginx');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('nginx not found: install it (Debian: apt-get install nginx; .ci/run does) or set NGINX');
}

/** The documented server configuration: the first ```nginx block of docs/deploy.md. */
function documentedConfig() {
  const text = fs.readFileSync(DOC, 'utf8');
  const match = /```nginx\n([\s\S]*?)```/.exec(text);
  if (!match) throw new Error(`${DOC} has no \`\`\`nginx block`);
  return match[1];
}

/** Replaces `from` (which must occur exactly once) with `to`. */
function replaceOnce(text, from, to) {
  const parts = text.split(from);
  if (parts.length !== 2) {
    throw new Error(`docs/deploy.md's nginx block should contain '${from}' once, found ${parts.length - 1}`);
  }
  return parts.join(to);
}

/**
 * A self-signed certificate for 127.0.0.1 (subjectAltName IP), valid one day; resolves to
 * {cert, key, ca} with `ca` the PEM text, for clients of this test to trust.
 */
function selfSignedCertificate(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${HOST}`,
    '-addext', `subjectAltName=IP:${HOST}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { cert, key, ca: fs.readFileSync(cert, 'utf8') };
}

function nginxConf(dir, { port, heraldPort, cert, key }) {
  let server = documentedConfig();
  server = replaceOnce(server, 'listen 443 ssl;', `listen ${HOST}:${port} ssl;`);
  server = replaceOnce(server, 'server 127.0.0.1:6001;', `server ${HOST}:${heraldPort};`);
  server = replaceOnce(server, '/etc/ssl/certs/realtime.example.com.pem', cert);
  server = replaceOnce(server, '/etc/ssl/private/realtime.example.com.key', key);
  const tmp = (name) => path.join(dir, name);
  // Workers run as the master's user when it is not root; as root nginx would switch them to
  // its compiled-in user, which cannot read this private temp directory.
  const user = process.getuid && process.getuid() === 0 ? 'user root root;' : '';
  return `${user}
worker_processes 1;
error_log ${tmp('error.log')} notice;
events { worker_connections 512; }
http {
  access_log ${tmp('access.log')};
  client_body_temp_path ${tmp('body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
${server}
}
`;
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port }, () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

/**
 * Starts nginx in the foreground (`daemon off`) on a free loopback port, proxying to Herald on
 * `heraldPort`, and resolves once it accepts connections.
 */
async function startNginx(heraldPort) {
  const binary = nginxBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-nginx-'));
  const { cert, key, ca } = selfSignedCertificate(dir);
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxConf(dir, { port, heraldPort, cert, key }));
  const output = [];
  const child = spawn(binary, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf,
    '-g', `daemon off; pid ${path.join(dir, 'nginx.pid')};`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c) => output.push(c.toString()));
  child.stderr.on('data', (c) => output.push(c.toString()));
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  // nginx's master stops its workers on SIGTERM; SIGKILL would leave them behind.
  const onExit = () => { if (!exited) child.kill('SIGTERM'); };
  process.on('exit', onExit);
  const errorLog = () => {
    try { return fs.readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { return ''; }
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill('SIGTERM');
      throw new Error(`nginx did not start (${JSON.stringify(exited)}): ${output.join('')}\n${errorLog()}`);
    }
    await sleep(25);
  }

  return {
    host: HOST,
    port,
    dir,
    /** The certificate's PEM, to trust in clients. */
    ca,
    certFile: cert,
    errorLog,
    accessLog: () => fs.readFileSync(path.join(dir, 'access.log'), 'utf8'),
    /** Fast shutdown (SIGTERM: open connections are closed), then the temp directory goes. */
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      process.removeListener('exit', onExit);
      fs.rmSync(dir, { recursive: true, force: true });
      return exited;
    },
  };
}

/**
 * before/after hooks for the enclosing scope: nginx in front of `server` (a useServer handle,
 * read once its own before hook has run). Returns a handle filled in `before`.
 */
function useNginx(server) {
  const handle = {};
  before(async () => {
    Object.assign(handle, await startNginx(server.port));
  });
  after(async () => {
    if (handle.stop) await handle.stop();
  });
  return handle;
}

module.exports = { startNginx, useNginx, nginxBinary, documentedConfig };
