// SPDX-License-Identifier: BSD-3-Clause
// Plays one stream in headless Chromium and says whether it played.
//
//   node play.mjs --server http://127.0.0.1:PORT --url URL
//        [--player hls|dash|shaka] [--low-latency] [--min-advance 5]
//        [--timeout 45] [--min-parts N] [--allow-error DETAIL]...
//        [--strict] [--screenshot FILE] [--chromium /usr/bin/chromium]
//        [--verbose]  (every console message of the page)
//        [--expect-audio]  (fail unless Chromium decoded some audio)
//
// The page is the static server's /_e2e/player.html (see there).  Exits 0
// once the video's currentTime has advanced by --min-advance seconds of
// real playback (sum of forward steps no faster than 2x wall clock, so a
// seek does not count) with no fatal player error; 1 when playback failed
// or timed out; 2 on bad usage or when Chromium cannot start.  Non-fatal
// player errors fail the run too, except buffer stalls (a loaded 2-core box
// stalls now and then) and the --allow-error details; --strict allows none.
// Prints progress lines and a final JSON summary line.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const opts = {
  server: null, url: null, player: 'hls', lowLatency: false, minAdvance: 5, timeout: 45,
  minParts: 0, allow: new Set(), strict: false, screenshot: null, chromium: '/usr/bin/chromium',
  verbose: false, expectAudio: false,
};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => {
    if (i + 1 >= process.argv.length) usage(`${a} needs a value`);
    return process.argv[++i];
  };
  if (a === '--server') opts.server = v().replace(/\/$/, '');
  else if (a === '--url') opts.url = v();
  else if (a === '--player') opts.player = v();
  else if (a === '--low-latency') opts.lowLatency = true;
  else if (a === '--min-advance') opts.minAdvance = Number(v());
  else if (a === '--timeout') opts.timeout = Number(v());
  else if (a === '--min-parts') opts.minParts = Number(v());
  else if (a === '--allow-error') opts.allow.add(v());
  else if (a === '--strict') opts.strict = true;
  else if (a === '--screenshot') opts.screenshot = v();
  else if (a === '--chromium') opts.chromium = v();
  else if (a === '--verbose') opts.verbose = true;
  else if (a === '--expect-audio') opts.expectAudio = true;
  else usage(`unknown option ${a}`);
}
if (!opts.server || !opts.url) usage('--server and --url are required');
if (!['hls', 'dash', 'shaka'].includes(opts.player)) usage(`unknown player ${opts.player}`);

function usage(msg) {
  console.error(`play: ${msg}`);
  process.exit(2);
}

// Stalls are weather, not bugs, unless --strict.
const TOLERATED = new Set(opts.strict ? [] : ['bufferStalledError', 'bufferNudgeOnStall', 'bufferSeekOverHole']);
for (const d of opts.allow) TOLERATED.add(d);

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--mute-audio', '--no-default-browser-check',
  '--autoplay-policy=no-user-gesture-required', '--disable-dev-shm-usage',
];

const pageUrl = `${opts.server}/_e2e/player.html?player=${opts.player}` +
  `&src=${encodeURIComponent(opts.url)}${opts.lowLatency ? '&ll=1' : ''}${opts.verbose ? '&debug=1' : ''}`;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'spate-chromium-'));
const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1);
const summary = { player: opts.player, url: opts.url, ok: false, advanced: 0, reason: '' };
let context = null;

async function main() {
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: opts.chromium,
      headless: false, // the flags above carry --headless=new
      args: CHROMIUM_ARGS,
      ignoreDefaultArgs: ['--headless'],
      viewport: { width: 800, height: 560 },
      timeout: 30000,
    });
  } catch (err) {
    console.error(`play: cannot start ${opts.chromium}: ${err.message}`);
    return 2;
  }
  const page = context.pages()[0] || (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => {
    if (opts.verbose || m.type() === 'error') console.log(`  [console.${m.type()}] ${m.text().slice(0, 300)}`);
  });
  page.on('requestfailed', (r) => {
    // Aborted requests are normal (ABR switches, LL part cancels).
    const f = r.failure();
    if (f && !/ERR_ABORTED/.test(f.errorText)) console.log(`  [request failed] ${r.url()} ${f.errorText}`);
  });

  console.log(`play: ${pageUrl}`);
  await page.goto(pageUrl, { waitUntil: 'load', timeout: 20000 });

  const deadline = Date.now() + opts.timeout * 1000;
  let last = null, advanced = 0, reported = 0, state = null;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    state = await page.evaluate(() => {
      const v = document.querySelector('video');
      const e = window.__e2e;
      const b = [];
      for (let i = 0; i < v.buffered.length; i++) b.push([+v.buffered.start(i).toFixed(2), +v.buffered.end(i).toFixed(2)]);
      const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {};
      return {
        t: v.currentTime, readyState: v.readyState, paused: v.paused, ended: v.ended, buffered: b,
        audioBytes: v.webkitAudioDecodedByteCount || 0, videoBytes: v.webkitVideoDecodedByteCount || 0,
        frames: q.totalVideoFrames || 0, dropped: q.droppedVideoFrames || 0,
        version: e.version, errors: e.errors, fatal: e.fatal, stats: e.stats,
        latency: e.latency(), level: e.level(),
      };
    });
    const now = Date.now();
    if (last) {
      const dt = state.t - last.t;
      const wall = (now - last.wall) / 1000;
      if (dt > 0 && dt <= 2 * wall + 0.25) advanced += dt;
    }
    last = { t: state.t, wall: now };

    if (now - reported >= 2000) {
      reported = now;
      const lat = state.latency === null ? '-' : state.latency.toFixed(2);
      console.log(`  ${elapsed()}s currentTime=${state.t.toFixed(2)} advanced=${advanced.toFixed(2)} ` +
        `readyState=${state.readyState} level=${state.level || '-'} latency=${lat} ` +
        `frags=${state.stats.fragments} parts=${state.stats.parts} errors=${state.errors.length}`);
    }
    if (state.fatal) break;
    if (pageErrors.length) break;
    const bad = state.errors.filter((e) => !TOLERATED.has(e.detail));
    if (bad.length) break;
    if (advanced >= opts.minAdvance && state.stats.parts >= opts.minParts) break;
    if (state.ended && advanced < opts.minAdvance) break;
  }

  if (opts.screenshot) await page.screenshot({ path: opts.screenshot }).catch(() => {});
  summary.version = state && state.version;
  summary.advanced = +advanced.toFixed(2);
  summary.currentTime = state && +state.t.toFixed(2);
  summary.latency = state && state.latency !== null ? +state.latency.toFixed(2) : null;
  summary.level = state && state.level;
  summary.stats = state && state.stats;
  summary.decoded = state && { videoFrames: state.frames, droppedFrames: state.dropped,
    videoBytes: state.videoBytes, audioBytes: state.audioBytes };
  summary.errors = state ? state.errors.slice(0, 10) : [];
  summary.pageErrors = pageErrors.slice(0, 5);
  summary.seconds = +elapsed();

  const bad = state ? state.errors.filter((e) => !TOLERATED.has(e.detail)) : [];
  if (!state) summary.reason = 'no state from the page';
  else if (state.fatal) summary.reason = `fatal player error: ${state.fatal.type} ${state.fatal.detail} ${state.fatal.message || ''}`;
  else if (pageErrors.length) summary.reason = `page error: ${pageErrors[0]}`;
  else if (bad.length) summary.reason = `player error: ${bad[0].type} ${bad[0].detail} ${bad[0].message || ''} ${bad[0].url || ''}`;
  else if (advanced < opts.minAdvance) summary.reason = `currentTime advanced ${advanced.toFixed(2)} s < ${opts.minAdvance} s` + (state.ended ? ' (ended)' : ` in ${opts.timeout} s`);
  else if (state.stats.parts < opts.minParts) summary.reason = `loaded ${state.stats.parts} LL-HLS parts < ${opts.minParts}`;
  else if (opts.expectAudio && !state.audioBytes) summary.reason = 'no audio was decoded';
  else summary.ok = true;
  console.log(`play: ${summary.ok ? 'OK' : 'FAIL'} ${summary.reason}`);
  console.log(JSON.stringify(summary));
  return summary.ok ? 0 : 1;
}

let code = 2;
try {
  code = await main();
} catch (err) {
  console.error(`play: ${err.stack || err}`);
  code = 2;
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(code);
