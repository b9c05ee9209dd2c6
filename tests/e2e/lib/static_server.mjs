// SPDX-License-Identifier: BSD-3-Clause
// Static HTTP server for the e2e tests and the demo: serves a packager's
// output directory on loopback the way an origin would, plus the player test
// page and the player libraries.
//
//   node static_server.mjs --root DIR [--host 127.0.0.1] [--port 0]
//        [--port-file FILE] [--log FILE] [--hold-ms 4000]
//
// What it does beyond reading files:
//  - Content-Type for m3u8 / mpd / mp4 / m4s / ts / vtt, CORS on everything;
//  - playlists and MPDs are never cached (no-store), media is cacheable;
//  - GET /time answers the current time as ISO 8601 (DASH UTCTiming
//    urn:mpeg:dash:utc:http-iso:2014 and http-xsdate:2014);
//  - LL-HLS blocking playlist reload: a playlist request with _HLS_msn (and
//    optionally _HLS_part) is held until the playlist on disk holds that
//    segment or part, or has ENDLIST, or 3 target durations pass;
//  - a missing media file whose directory exists is waited for up to
//    --hold-ms before 404, as an origin holds a preload-hinted part;
//  - single byte ranges (Range: bytes=a-b) for SegmentBase players;
//  - /_e2e/player.html (the test page) and /_e2e/lib/<name>.js (hls.js,
//    dash.js, Shaka Player from tests/e2e/node_modules).
// It prints "listening http://127.0.0.1:PORT/" on stdout once it accepts.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const libDir = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.join(libDir, '..', 'node_modules');

const opts = { root: null, host: '127.0.0.1', port: 0, portFile: null, log: null, holdMs: 4000 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => {
    if (i + 1 >= process.argv.length) usage(`${a} needs a value`);
    return process.argv[++i];
  };
  if (a === '--root') opts.root = path.resolve(v());
  else if (a === '--host') opts.host = v();
  else if (a === '--port') opts.port = Number(v());
  else if (a === '--port-file') opts.portFile = v();
  else if (a === '--log') opts.log = v();
  else if (a === '--hold-ms') opts.holdMs = Number(v());
  else usage(`unknown option ${a}`);
}
if (!opts.root) usage('--root is required');

function usage(msg) {
  console.error(`static_server: ${msg}`);
  console.error('usage: node static_server.mjs --root DIR [--host H] [--port N] [--port-file F] [--log F] [--hold-ms MS]');
  process.exit(2);
}

const TYPES = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.m4a': 'audio/mp4',
  '.m4v': 'video/mp4',
  '.ts': 'video/mp2t',
  '.aac': 'audio/aac',
  '.vtt': 'text/vtt',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.key': 'application/octet-stream',
};

// The only files served from outside --root.
const ASSETS = {
  '/_e2e/player.html': path.join(libDir, 'player.html'),
  '/_e2e/lib/hls.js': path.join(nodeModules, 'hls.js/dist/hls.min.js'),
  '/_e2e/lib/dash.js': path.join(nodeModules, 'dashjs/dist/modern/umd/dash.all.min.js'),
  '/_e2e/lib/shaka.js': path.join(nodeModules, 'shaka-player/dist/shaka-player.compiled.js'),
};

const isManifest = (p) => p.endsWith('.m3u8') || p.endsWith('.mpd');
const MEDIA_EXTS = new Set(['.m4s', '.mp4', '.m4a', '.m4v', '.ts', '.aac', '.vtt']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const logStream = opts.log ? fs.createWriteStream(opts.log, { flags: 'a' }) : null;

// Where a media playlist stands: the last complete segment's media sequence
// number, how many parts of the next segment are listed, whether it ended.
function playlistState(text) {
  let seq = 0, complete = 0, parts = 0, ended = false, target = 6;
  let sawInf = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) seq = parseInt(line.slice(22), 10) || 0;
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) target = parseFloat(line.slice(22)) || target;
    else if (line.startsWith('#EXT-X-ENDLIST')) ended = true;
    else if (line.startsWith('#EXTINF:')) sawInf = true;
    else if (line.startsWith('#EXT-X-PART:')) parts++;
    else if (line && !line.startsWith('#') && sawInf) {
      complete++;
      parts = 0;
      sawInf = false;
    }
  }
  return { lastMsn: seq + complete - 1, parts, ended, target };
}

function blockSatisfied(st, msn, part) {
  if (st.ended || st.lastMsn >= msn) return true;
  if (part === null) return false;
  return msn === st.lastMsn + 1 && st.parts > part;
}

async function readPlaylistBlocking(file, query) {
  const msn = query.has('_HLS_msn') ? parseInt(query.get('_HLS_msn'), 10) : NaN;
  const part = query.has('_HLS_part') ? parseInt(query.get('_HLS_part'), 10) : null;
  let body = await fsp.readFile(file);
  if (!file.endsWith('.m3u8') || Number.isNaN(msn)) return body;
  let st = playlistState(body.toString('utf8'));
  const deadline = Date.now() + Math.max(3 * st.target * 1000, 6000);
  while (!blockSatisfied(st, msn, part) && Date.now() < deadline) {
    await sleep(25);
    try {
      body = await fsp.readFile(file);
    } catch {
      continue;
    }
    st = playlistState(body.toString('utf8'));
  }
  return body;
}

// A media file that is not there yet but whose directory is: wait a little,
// as an origin does for a preload-hinted part.
async function statWithHold(file) {
  const deadline = Date.now() + opts.holdMs;
  for (;;) {
    try {
      const st = await fsp.stat(file);
      if (st.isFile()) return st;
      return null;
    } catch {
      if (!MEDIA_EXTS.has(path.extname(file)) || Date.now() >= deadline || !fs.existsSync(path.dirname(file))) return null;
      await sleep(25);
    }
  }
}

function commonHeaders(res) {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Range, Content-Type');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Date, Age');
}

async function handle(req, res) {
  commonHeaders(res);
  if (req.method === 'OPTIONS') {
    res.writeHead(204);
    return res.end();
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' });
    return res.end();
  }
  const url = new URL(req.url, 'http://localhost');
  let pathname;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400);
    return res.end();
  }

  if (pathname === '/favicon.ico') {
    res.writeHead(204, { 'Cache-Control': 'max-age=86400' });
    return res.end();
  }
  if (pathname === '/time') {
    const body = new Date().toISOString();
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    return res.end(req.method === 'HEAD' ? undefined : body);
  }

  let file = ASSETS[pathname];
  if (!file) {
    file = path.join(opts.root, path.normalize(pathname));
    if (file !== opts.root && !file.startsWith(opts.root + path.sep)) {
      res.writeHead(403);
      return res.end();
    }
  }
  if (pathname.endsWith('/')) file = path.join(file, 'index.html');

  const st = await statWithHold(file);
  if (!st) {
    res.writeHead(404, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
    return res.end('not found\n');
  }
  const ext = path.extname(file).toLowerCase();
  res.setHeader('Content-Type', TYPES[ext] || 'application/octet-stream');
  res.setHeader('Cache-Control', isManifest(file) ? 'no-store, no-cache, must-revalidate' : 'public, max-age=60');
  res.setHeader('Accept-Ranges', 'bytes');

  let body;
  try {
    body = isManifest(file) ? await readPlaylistBlocking(file, url.searchParams) : await fsp.readFile(file);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
    return res.end('not found\n');
  }

  const range = req.headers.range && /^bytes=(\d*)-(\d*)$/.exec(req.headers.range);
  if (range && (range[1] !== '' || range[2] !== '')) {
    let start, end;
    if (range[1] === '') {
      start = Math.max(0, body.length - Number(range[2]));
      end = body.length - 1;
    } else {
      start = Number(range[1]);
      end = range[2] === '' ? body.length - 1 : Math.min(Number(range[2]), body.length - 1);
    }
    if (start >= body.length || start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${body.length}` });
      return res.end();
    }
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${body.length}`, 'Content-Length': end - start + 1 });
    return res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
  }
  res.writeHead(200, { 'Content-Length': body.length });
  return res.end(req.method === 'HEAD' ? undefined : body);
}

const server = http.createServer((req, res) => {
  const t0 = process.hrtime.bigint();
  res.on('finish', () => {
    if (!logStream) return;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    logStream.write(`${new Date().toISOString()} ${req.method} ${req.url} ${res.statusCode} ${res.getHeader('Content-Length') ?? '-'} ${ms.toFixed(1)}ms\n`);
  });
  handle(req, res).catch((err) => {
    console.error(`static_server: ${req.url}: ${err.stack || err}`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.keepAliveTimeout = 30000;
server.on('error', (err) => {
  console.error(`static_server: ${err.message}`);
  process.exit(1);
});
server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  if (opts.portFile) {
    fs.writeFileSync(opts.portFile + '.tmp', String(port));
    fs.renameSync(opts.portFile + '.tmp', opts.portFile);
  }
  console.log(`listening http://${opts.host}:${port}/`);
});
function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
