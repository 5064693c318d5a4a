// Browser test of the Playgram dashboard: drives Debian's chromium through playwright-core.
//
//   PLAYGRAM_URL=http://127.0.0.1:8080 node e2e/run.mjs     (against a fresh server: it signs up
//                                                             the first user)
//
// Signs up, logs out, logs in, invites a teammate and removes them again, creates, rotates and
// revokes an API key through the page (each secret is shown once), runs test jobs from the Jobs
// page and watches them finish (and one die and be retried) without a reload, sees a new event
// arrive live on the Events page, turns on two-factor
// authentication with a code computed here (RFC 6238) and logs in with codes and recovery codes,
// logs in with the keyboard alone, adds and imports contacts and finds one with the Ctrl+K
// palette, visits the main pages, and saves screenshots of each at 1280 px
// and 360 px, light and dark, in e2e/screenshots/. Exits non-zero on any failure; the last line
// reads "e2e: N passed, M failed".

import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = (process.env.PLAYGRAM_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const USER = {
  name: 'Ada Lovelace',
  email: `ada+${Date.now()}@example.com`,
  password: 'correct horse battery staple',
  workspace: 'Analytical Engines',
};

let passed = 0;
let failed = 0;
const problems = [];

async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`  ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`  FAIL ${name}\n       ${String(error && error.message || error).split('\n').join('\n       ')}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Fails a check if the page logged a CSP violation or a script error. */
function watch(page) {
  page.on('console', (msg) => {
    const text = msg.text();
    // A 4xx page (a refused form, the 404 page) logs "Failed to load resource": expected.
    if (msg.type() === 'error' && !/Failed to load resource/.test(text)) problems.push(`${page.url()}: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
}

/** RFC 4648 base32 (the setup key), ignoring spaces, dashes and padding. */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.toUpperCase().replace(/[\s=-]/g, '')) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP: HMAC-SHA1 over the 8-byte big-endian step, dynamic truncation, 6 digits. */
function totp(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(number % 1_000_000).padStart(6, '0');
}

const currentStep = () => Math.floor(Date.now() / 1000 / 30);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Logs out through the account menu. */
async function logOut(page) {
  if (!(await page.isVisible('.user-menu summary'))) await page.goto(`${BASE}/app`);
  await page.click('.user-menu summary');
  await page.click('button:has-text("Log out")');
  await page.waitForURL(/\/login/);
}

/** Logs in with the password and expects the two-factor prompt. */
async function logInToPrompt(page) {
  await page.goto(`${BASE}/login`);
  await page.fill('#login-email', USER.email);
  await page.fill('#login-password', USER.password);
  await page.click('button:has-text("Log in")');
  await page.waitForURL(/\/login\/2fa/);
  expect((await heading(page)) === 'Two-factor authentication', `heading: ${await heading(page)}`);
}

/** The API's answer to /api/v1/me with a key: [status, error code or null]. */
async function me(page, secret) {
  const response = await page.request.get(`${BASE}/api/v1/me`, {
    headers: { Authorization: `Bearer ${secret}` },
  });
  const body = await response.json().catch(() => ({}));
  return [response.status(), body.error ? body.error.code : null];
}

async function heading(page) {
  return (await page.locator('h1').first().innerText()).trim();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

let storage;
let keySecret;
let inviteLink;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(10_000); // a missing element fails in seconds, not half a minute
  const page = await context.newPage();
  watch(page);

  await check('a fresh server sends the first visitor to sign-up', async () => {
    await page.goto(`${BASE}/`);
    expect(new URL(page.url()).pathname === '/signup', `landed on ${page.url()}`);
    expect((await heading(page)) === 'Set up Playgram', `heading: ${await heading(page)}`);
  });

  await check('the first keyboard stop is the skip link', async () => {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.className);
    expect(focused === 'skip-link', `focused: ${focused}`);
  });

  await check('sign-up shows errors beside the field and keeps the input', async () => {
    await page.fill('#signup-name', USER.name);
    await page.fill('#signup-email', 'not-an-email@nowhere');
    await page.fill('#signup-password', USER.password);
    await page.fill('#signup-workspace_name', USER.workspace);
    await page.click('button:has-text("Create account")');
    await page.waitForSelector('#signup-email-error');
    const described = await page.getAttribute('#signup-email', 'aria-describedby');
    expect(described && described.includes('signup-email-error'), `aria-describedby: ${described}`);
    expect((await page.inputValue('#signup-name')) === USER.name, 'name was not kept');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    expect(focused === 'signup-email', `autofocus on ${focused}`);
  });

  await check('sign-up creates the account and workspace', async () => {
    await page.fill('#signup-email', USER.email);
    await page.fill('#signup-password', USER.password);
    await page.click('button:has-text("Create account")');
    await page.waitForURL(`${BASE}/app`);
    expect((await heading(page)).startsWith('Welcome'), `heading: ${await heading(page)}`);
    expect((await page.innerText('.ws-name')).includes(USER.workspace), 'workspace switcher');
  });

  await check('log out from the account menu', async () => {
    await page.click('.user-menu summary');
    await page.click('button:has-text("Log out")');
    await page.waitForURL(/\/login/);
    expect((await page.innerText('.alert-success')).includes('logged out'), 'no logout notice');
  });

  await check('signed-out visits to /app/* go to login and come back after', async () => {
    await page.goto(`${BASE}/app/team`);
    const url = new URL(page.url());
    expect(url.pathname === '/login' && url.searchParams.get('next') === '/app/team', `at ${page.url()}`);
  });

  await check('a wrong password is refused with a message', async () => {
    await page.fill('#login-email', USER.email);
    await page.fill('#login-password', 'wrong password!');
    await page.click('button:has-text("Log in")');
    await page.waitForSelector('.alert-error');
    expect((await page.innerText('.alert-error')).includes('do not match'), 'no error message');
  });

  await check('log in returns to the page asked for', async () => {
    await page.fill('#login-password', USER.password);
    await page.click('button:has-text("Log in")');
    await page.waitForURL(`${BASE}/app/team`);
    expect((await heading(page)) === 'Team', `heading: ${await heading(page)}`);
  });

  await check('invite a teammate: the link is shown to share', async () => {
    await page.fill('#invite-email', 'grace@example.com');
    await page.selectOption('#invite-role', 'manager');
    await page.click('button:has-text("Send invite")');
    const link = (await page.innerText('#invite-link')).trim();
    expect(link.includes('/invite/'), `link: ${link}`);
    inviteLink = new URL(link).pathname;
    expect((await page.innerText('#pending')).includes('Pending invites'), 'no pending list');
    expect((await page.locator('.rows li', { hasText: 'grace@example.com' }).count()) === 1, 'invite not listed');
  });

  await check('the invite link signs a new person up into the workspace', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await other.newPage();
    watch(p);
    await p.goto(`${BASE}${inviteLink}`);
    expect((await heading(p)) === `Join ${USER.workspace}`, `heading: ${await heading(p)}`);
    expect((await p.inputValue('#join-email')) === 'grace@example.com', 'email not prefilled');
    expect((await p.getAttribute('a:has-text("Log in first")', 'href')).includes('next='), 'no log-in-first link');
    await p.fill('#join-name', 'Grace Hopper');
    await p.fill('#join-password', 'another long password');
    await p.click('button:has-text("Create account and join")');
    await p.waitForURL(`${BASE}/app`);
    expect((await p.innerText('main')).includes('manager'), 'not a manager');
    const keys = await p.goto(`${BASE}/app/api-keys`);
    expect(keys.status() === 200 && !(await p.isVisible('button:has-text("Create key")')), 'manager may create keys');
    await p.goto(`${BASE}/app/audit-log`);
    expect((await heading(p)) === 'Not allowed here', 'manager sees the audit log');
    await other.close();
  });

  await check('create an API key; its secret is shown once', async () => {
    await page.goto(`${BASE}/app/api-keys`);
    expect((await page.innerText('.empty')).includes('No API keys yet'), 'no empty state');
    await page.fill('#key-name', 'Website sync');
    await page.check('input[value="audit:read"]');
    await page.click('button:has-text("Create key")');
    keySecret = (await page.innerText('#key-secret')).trim();
    expect(/^pgk_/.test(keySecret), `secret: ${keySecret}`);
    expect(await page.isVisible('button[data-copy="key-secret"]'), 'no copy button');
    // The post redirected: a refresh neither shows the secret again nor creates another key.
    await page.reload();
    expect((await page.locator('#key-secret').count()) === 0, 'secret shown again after a refresh');
    expect((await page.locator('.row-key').count()) === 1, 'a refresh created another key');
    await page.goto(`${BASE}/app/api-keys`);
    expect((await page.locator('#key-secret').count()) === 0, 'secret shown again');
    expect(!(await page.content()).includes(keySecret), 'secret in the list page');
    expect((await page.innerText('.rows')).includes('Website sync'), 'key not listed');
  });

  await check('the new key works against the API', async () => {
    const response = await page.request.get(`${BASE}/api/v1/me`, {
      headers: { Authorization: `Bearer ${keySecret}` },
    });
    expect(response.status() === 200, `status ${response.status()}`);
  });

  let rotatedSecret;
  await check('rotate the key: a new secret is shown once, old and new both work meanwhile', async () => {
    await page.goto(`${BASE}/app/api-keys`);
    const row = page.locator('.row-key', { hasText: 'Website sync' });
    await row.locator('summary:has-text("Rotate")').click();
    await row.locator('button:has-text("Rotate secret")').click();
    await page.waitForSelector('#key-secret');
    expect((await heading(page)) === 'API keys', `heading: ${await heading(page)}`);
    expect((await page.innerText('#new-secret')).includes('New secret for'), 'not a rotation notice');
    expect((await page.innerText('[data-secret-once]')).includes('previous secret keeps working'), 'no overlap notice');
    rotatedSecret = (await page.innerText('#key-secret')).trim();
    expect(/^pgk_/.test(rotatedSecret) && rotatedSecret !== keySecret, `secret: ${rotatedSecret}`);
    const [oldStatus] = await me(page, keySecret);
    const [newStatus] = await me(page, rotatedSecret);
    expect(oldStatus === 200 && newStatus === 200, `old ${oldStatus}, new ${newStatus}`);
    await page.goto(`${BASE}/app/api-keys`);
    expect(!(await page.content()).includes(rotatedSecret), 'new secret shown again');
    expect((await page.innerText('.row-key')).includes('previous secret works until'), 'overlap not listed');
  });

  await check('revoke the key: the API then answers 401 api_key_revoked', async () => {
    const row = page.locator('.row-key', { hasText: 'Website sync' });
    await row.locator('summary:has-text("Revoke")').click();
    expect(await row.locator('details.confirm[open] .confirm-panel').isVisible(), 'no confirm panel');
    await row.locator('button:has-text("Revoke key")').click();
    await page.waitForURL(/\/app\/api-keys\?done=revoked/);
    expect((await page.innerText('.alert-success')).includes('revoked'), 'no notice');
    expect((await page.innerText('.row-key .badge')).trim() === 'revoked', 'not marked revoked');
    expect((await page.locator('.row-key summary:has-text("Rotate")').count()) === 0, 'revoked key offers rotate');
    for (const secret of [rotatedSecret, keySecret]) {
      const [status, code] = await me(page, secret);
      expect(status === 401 && code === 'api_key_revoked', `${secret.slice(0, 12)}…: ${status} ${code}`);
    }
  });

  await check('the audit log lists the key creation and filters by action', async () => {
    await page.goto(`${BASE}/app/audit-log`);
    expect((await page.innerText('table')).includes('API key created'), 'no entry');
    await page.selectOption('#filter-action', 'login.failed');
    await page.click('button:has-text("Filter")');
    const text = await page.innerText('table');
    expect(text.includes('Failed login'), 'filter did not apply');
    expect(!text.includes('API key created'), 'filter let other actions through');
  });

  await check('two-factor set-up shows a QR code and a setup key', async () => {
    await page.goto(`${BASE}/app/account`);
    await page.click('button:has-text("Set up two-factor")');
    await page.waitForSelector('.qr svg');
    expect((await page.innerText('#totp-secret')).trim().length >= 16, 'no setup key');
  });

  await check('the TOTP helper matches RFC 6238 (SHA-1, T=59 and T=1111111109)', async () => {
    const key = Buffer.from('12345678901234567890');
    expect(totp(key, Math.floor(59 / 30)) === '287082', totp(key, 1));
    expect(totp(key, Math.floor(1111111109 / 30)) === '081804', totp(key, 37037036));
    expect(base32Decode('GEZDGNBVGY3TQOJQ').toString() === '1234567890', 'base32');
  });

  let totpKey;
  let enabledStep;
  let recoveryCodes = [];
  await check('turn two-factor on with the code from the setup key; recovery codes shown once', async () => {
    totpKey = base32Decode((await page.innerText('#totp-secret')).trim());
    expect(totpKey.length >= 10, `key of ${totpKey.length} bytes`);
    await page.fill('#totp-code', '000000' === totp(totpKey, currentStep()) ? '111111' : '000000');
    await page.click('button:has-text("Turn on")');
    await page.waitForSelector('#totp-code-error');
    expect(await page.isVisible('.qr svg'), 'a wrong code left set-up');
    enabledStep = currentStep();
    await page.fill('#totp-code', totp(totpKey, enabledStep));
    await page.click('button:has-text("Turn on")');
    await page.waitForSelector('#recovery-codes');
    recoveryCodes = (await page.innerText('#recovery-codes')).split('\n').map((c) => c.trim()).filter(Boolean);
    expect(recoveryCodes.length >= 2 && recoveryCodes.every((c) => /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/.test(c)),
      `codes: ${recoveryCodes.join(' ')}`);
    expect((await page.innerText('#two-factor')).includes('On'), 'badge not On');
    await page.goto(`${BASE}/app/account`);
    expect((await page.locator('#recovery-codes').count()) === 0, 'codes shown again');
    expect(!(await page.content()).includes(recoveryCodes[0]), 'a code in the page');
  });

  await check('remove the invited member from the team page', async () => {
    await page.goto(`${BASE}/app/team`);
    const members = page.locator('section[aria-labelledby="members"]');
    const row = members.locator('.row-member', { hasText: 'grace@example.com' });
    expect((await row.count()) === 1, 'grace not a member');
    const before = Number(await members.locator('.count').innerText());
    await row.locator('summary:has-text("Remove")').click();
    const panel = row.locator('.confirm-panel');
    expect(await panel.isVisible(), 'no confirm panel');
    expect((await panel.innerText()).includes('Remove Grace Hopper'), `panel: ${await panel.innerText()}`);
    await panel.locator('button:has-text("Remove member")').click();
    await page.waitForLoadState();
    expect((await heading(page)) === 'Team', `heading: ${await heading(page)}`);
    expect(await page.isVisible('.alert-success'), 'no notice');
    expect((await members.locator('.row-member', { hasText: 'grace@example.com' }).count()) === 0, 'still listed');
    expect(Number(await members.locator('.count').innerText()) === before - 1, 'count unchanged');
  });

  await check('jobs: "Run a test job" goes through the queue and the page shows it done live', async () => {
    await page.goto(`${BASE}/app/jobs`);
    expect((await heading(page)) === 'Jobs', `heading: ${await heading(page)}`);
    expect((await page.innerText('[data-live-region="list"]')).includes('No background jobs yet'), 'no empty state');
    await page.click('button:has-text("Run a test job")');
    await page.waitForURL(`${BASE}/app/jobs`);
    expect((await page.innerText('.alert-success')).includes('Test job queued'), 'no notice');
    // No reload from here on: the page refreshes its counts, chart and list by itself.
    await page.waitForSelector('[data-live-status][data-state="connected"]');
    await page.waitForSelector('.row-job:has-text("diag.probe") .state-done', { timeout: 15_000 });
    await page.waitForSelector('.chart rect.bar-done', { timeout: 15_000 });
    expect((await page.innerText('.stat-done .stat-value')).trim() === '1', 'done count');
    expect((await page.getAttribute('.chart svg', 'aria-label')).includes('1 run done'), 'chart summary');
  });

  await check('jobs: a test job that fails for good, run from the keyboard, is dead and can be retried', async () => {
    await page.selectOption('#probe-fail', 'fatal');
    await page.focus('#probe-fail');
    await page.keyboard.press('Tab');
    expect((await page.evaluate(() => document.activeElement.textContent)).includes('Run a test job'), 'Tab missed the button');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect((await page.innerText('.alert-success')).includes('fail at once'), 'no notice');
    await page.waitForSelector('.tab-count-dead', { timeout: 15_000 });
    await page.click('.tabs a:has-text("Dead")');
    await page.waitForURL(/state=dead/);
    const row = page.locator('.row-job', { hasText: 'diag.probe' });
    expect((await row.innerText()).includes('probe failed on purpose, fatally'), 'no error shown');
    await row.locator('summary:has-text("Details")').click();
    expect((await row.locator('pre.code-block').last().innerText()).includes('"fail": "fatal"'), 'no payload');
    await row.locator('button:has-text("Retry")').click();
    await page.waitForURL(/state=dead/);
    expect((await page.innerText('.alert-success')).includes('queued to run again'), 'no retry notice');
  });

  await check('events: a new API key made in another tab appears live, no reload', async () => {
    await page.goto(`${BASE}/app/events`);
    expect((await heading(page)) === 'Events', `heading: ${await heading(page)}`);
    await page.waitForSelector('[data-live-status][data-state="connected"]');
    const before = await page.locator('.row-event').count();
    const other = await context.newPage();
    watch(other);
    await other.goto(`${BASE}/app/api-keys`);
    await other.fill('#key-name', 'Live event test');
    await other.click('button:has-text("Create key")');
    await other.waitForSelector('#key-secret');
    await other.close();
    await page.waitForSelector('.row-event.is-new:has-text("api_key.created")', { timeout: 10_000 });
    expect((await page.locator('.row-event').count()) === before + 1, 'not exactly one new row');
    const first = page.locator('.row-event').first();
    expect((await first.innerText()).includes('api_key.created'), 'not at the top');
    await first.locator('summary').click();
    expect((await first.locator('pre').innerText()).includes('Live event test'), 'no data');
    // The filter applies to the list and to the stream.
    await page.selectOption('#filter-type', 'member.invited');
    await page.click('button:has-text("Filter")');
    await page.waitForURL(/type=member.invited/);
    expect((await page.locator('.row-event:has-text("api_key.created")').count()) === 0, 'filter ignored');
  });

  await check('jobs and events fit a 360 px screen and are dark in dark mode', async () => {
    const phone = await browser.newContext({
      storageState: await context.storageState(), viewport: { width: 360, height: 780 }, colorScheme: 'dark',
    });
    const p = await phone.newPage();
    watch(p);
    for (const path of ['/app/jobs', '/app/jobs?state=dead', '/app/events']) {
      await p.goto(`${BASE}${path}`);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow <= 0, `${path} is ${overflow}px wider than the screen`);
      const background = await p.evaluate(() => getComputedStyle(document.querySelector('.card')).backgroundColor);
      expect(background === 'rgb(22, 25, 34)', `${path}: card background ${background}`);
    }
    await phone.close();
  });

  await check('the theme toggle switches to dark and remembers it', async () => {
    await page.goto(`${BASE}/app`);
    const toggle = page.locator('.topbar [data-theme-toggle]');
    await toggle.click(); // system → light
    await toggle.click(); // light → dark
    expect((await page.getAttribute('html', 'data-theme')) === 'dark', 'not dark');
    await page.reload();
    expect((await page.getAttribute('html', 'data-theme')) === 'dark', 'not remembered');
    await toggle.click(); // dark → system
    expect((await page.getAttribute('html', 'data-theme')) === null, 'not back to system');
  });

  await check('every navigation link leads to a real page', async () => {
    const links = await page.$$eval('.sidebar a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links.length >= 15, `only ${links.length} links`);
    for (const href of links) {
      const response = await page.goto(`${BASE}${href}`);
      expect(response.status() === 200, `${href}: ${response.status()}`);
      expect((await heading(page)).length > 0, `${href}: no heading`);
    }
  });

  await check('unknown pages get an HTML 404, unknown API paths JSON', async () => {
    const response = await page.goto(`${BASE}/no/such/page`);
    expect(response.status() === 404, `status ${response.status()}`);
    expect((await heading(page)) === 'Page not found', `heading: ${await heading(page)}`);
    const api = await page.request.get(`${BASE}/api/v1/nope`);
    expect(api.status() === 404 && (await api.json()).error.code === 'not_found', 'API 404');
  });

  storage = await context.storageState();

  await check('at 360 px the navigation folds into a working menu', async () => {
    const phone = await browser.newContext({ storageState: storage, viewport: { width: 360, height: 780 } });
    const p = await phone.newPage();
    watch(p);
    await p.goto(`${BASE}/app`);
    expect(!(await p.isVisible('.sidebar')), 'sidebar visible on a phone');
    await p.click('.nav-toggle summary');
    await p.click('.nav-panel a:has-text("API keys")');
    await p.waitForURL(`${BASE}/app/api-keys`);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await phone.close();
  });

  let contactPath = '/app/contacts';
  let importPath = '/app/contacts/imports';
  await check('contacts: the empty list says what to do; add a contact with the form', async () => {
    await page.goto(`${BASE}/app/contacts`);
    expect(await page.isVisible('text=No contacts yet'), 'no empty state');
    await page.click('a:has-text("Add contact")');
    await page.fill('#ct-new-name', 'Ana Núñez');
    await page.fill('#ct-new-emails', 'not-an-email');
    await page.click('button:has-text("Add contact")');
    expect(await page.isVisible('text=is not an email address'), 'no message beside the field');
    await page.fill('#ct-new-emails', 'ana@example.com');
    await page.fill('#ct-new-tags', 'VIP, Lead');
    await page.click('button:has-text("Add contact")');
    await page.waitForURL(/\/app\/contacts\/ct_/);
    contactPath = new URL(page.url()).pathname;
    expect(await page.isVisible('text=Contact added.'), 'no confirmation');
    await page.fill('#tag-add', 'Trade fair');
    await page.click('button:has-text("Add"):near(#tag-add)');
    await page.waitForSelector('text=Tagged Trade fair');
  });

  await check('contacts: import a CSV through the wizard and watch it finish', async () => {
    await page.goto(`${BASE}/app/contacts/imports`);
    const csv = 'Full name;E-mail;Mobile;Tags\nZoë Ødegård;zoe@example.no;+47 412 34 567;Newsletter\nBo;not-an-email;;\nKenji Nakamura;kenji@example.jp;+81 90 1234 5678;VIP\n';
    await page.setInputFiles('#imp-up-file', { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.click('button:has-text("Upload and map columns")');
    await page.waitForURL(/\/app\/contacts\/imports\/imp_/);
    importPath = new URL(page.url()).pathname;
    expect((await page.inputValue('#target-1')) === 'email', 'the email column was not suggested');
    await page.click('button:has-text("Preview the first 20 rows")');
    await page.waitForSelector('text=Nothing has been imported yet');
    await page.click('button:has-text("Import 3 rows")');
    await page.waitForSelector('h2:has-text("Imported")', { timeout: 20000 });
    expect(await page.isVisible('text=Download the 1 refused rows'), 'no error report');
  });

  await check('contacts: search the list, then find a contact with the Ctrl+K palette and the keyboard', async () => {
    await page.goto(`${BASE}/app/contacts`);
    await page.fill('#ct-q', 'zoe');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=zoe/);
    expect(await page.isVisible('a.ct-name:has-text("Zoë Ødegård")'), 'search without diacritics failed');
    expect(!(await page.isVisible('a.ct-name:has-text("Kenji")')), 'search did not filter');
    await page.goto(`${BASE}/app`);
    await page.keyboard.press('Control+k');
    await page.keyboard.type('kenji');
    await page.waitForSelector('.palette-item:has-text("Kenji Nakamura")');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/app\/contacts\/ct_/);
    expect((await heading(page)) === 'Kenji Nakamura', `landed on ${await heading(page)}`);
    await page.keyboard.press('Control+k');
    await page.keyboard.press('Escape');
    expect(!(await page.isVisible('[data-palette]')), 'Escape did not close the palette');
  });

  await check('contacts pages fit a 360 px screen', async () => {
    const phone = await browser.newContext({ storageState: await context.storageState(), viewport: { width: 360, height: 780 } });
    const p = await phone.newPage();
    watch(p);
    for (const path of ['/app/contacts', contactPath, '/app/contacts/tags', '/app/contacts/fields', '/app/contacts/imports', importPath, '/app/contacts/exports', '/app/contacts/settings']) {
      await p.goto(`${BASE}${path}`);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow <= 0, `${path} is ${overflow}px wider than the screen`);
    }
    await phone.close();
  });

  // Inbox: a WhatsApp channel made through the API (as the page's own session), and customer
  // messages delivered to its webhook URL, signed like Meta signs them.
  const APP_SECRET = 'e2e-app-secret';
  let channelId;
  let threadPath;
  async function deliverWhatsApp(id, text) {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
        contacts: [{ profile: { name: 'Grace Hopper' }, wa_id: '16505550199' }],
        messages: [{ from: '16505550199', id: `wamid.e2e.${id}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
      } }] }],
    });
    const signature = 'sha256=' + createHmac('sha256', APP_SECRET).update(body).digest('hex');
    const response = await fetch(`${BASE}/hooks/whatsapp/${channelId}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body,
    });
    expect(response.status === 200, `webhook answered ${response.status}`);
  }

  await check('inbox: the empty inbox says how to add a channel', async () => {
    await page.goto(`${BASE}/app/inbox`);
    expect(await page.isVisible('text=No channels yet.'), 'no empty state');
  });

  await check('inbox: a customer message delivered to the webhook appears live in the list, no reload', async () => {
    const created = await page.evaluate(async (secret) => {
      const r = await fetch('/api/v1/channels', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'whatsapp', name: 'Shop WhatsApp', phone_number_id: '106540352242922', waba_id: '102290129340398', access_token: 'EAAe2e', app_secret: secret }) });
      return r.json();
    }, APP_SECRET);
    channelId = created.data.id;
    expect(channelId, `no channel: ${JSON.stringify(created)}`);
    await page.evaluate(async () => {
      await fetch('/api/v1/canned-replies', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ shortcut: 'hello', body: 'Hi {first_name|there}, thanks for writing!' }) });
    });
    await page.goto(`${BASE}/app/inbox`);
    await page.waitForSelector('[data-live-status][data-state="connected"]');
    await deliverWhatsApp('1', 'Is the blue one in stock?');
    await page.waitForSelector('.conv:has-text("Grace Hopper")', { timeout: 15_000 });
    expect(await page.isVisible('.conv-unread:has-text("Is the blue one in stock?")'), 'not unread, or no preview');
  });

  await check('inbox: j opens it, r replies from the keyboard, / inserts a canned reply, Ctrl+Enter sends', async () => {
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await page.keyboard.press('j');
    await page.waitForURL(/[?&]c=cv_/);
    threadPath = new URL(page.url()).pathname + new URL(page.url()).search;
    await page.waitForSelector('.msg-in:has-text("Is the blue one in stock?")');
    expect(await page.isVisible('text=min left'), 'no reply-window countdown');
    await page.keyboard.press('r');
    expect(await page.evaluate(() => document.activeElement && document.activeElement.id === 'cp-text'), 'r did not focus the composer');
    await page.keyboard.type('/hel');
    await page.waitForSelector('[data-canned-menu]:not([hidden]) li:has-text("/hello")');
    await page.keyboard.press('Enter');
    const text = await page.inputValue('#cp-text');
    expect(text === 'Hi Grace, thanks for writing!', `inserted: ${text}`);
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('.msg-out:has-text("Hi Grace, thanks for writing!")');
  });

  await check('inbox: a new message in the open thread appears live; e resolves', async () => {
    await page.waitForSelector('[data-live-status][data-state="connected"]');
    await deliverWhatsApp('2', 'And in size M?');
    await page.waitForSelector('.msg-in:has-text("And in size M?")', { timeout: 15_000 });
    await page.locator('[data-thread]').click();
    await page.keyboard.press('e');
    await page.waitForSelector('text=the conversation is resolved');
    expect(await page.isVisible('button:has-text("Reopen")'), 'not resolved');
  });

  await check('inbox on a phone: the list, then the thread with a way back; dark', async () => {
    const phone = await browser.newContext({
      storageState: await context.storageState(), viewport: { width: 360, height: 780 }, colorScheme: 'dark',
    });
    const p = await phone.newPage();
    watch(p);
    await p.goto(`${BASE}/app/inbox?status=any`);
    expect(await p.isVisible('.conv:has-text("Grace Hopper")'), 'no list');
    await p.click('.conv:has-text("Grace Hopper")');
    await p.waitForSelector('.msg-in:has-text("And in size M?")');
    expect(!(await p.isVisible('.inbox-list')), 'the list still shows beside the thread');
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow <= 0, `the thread is ${overflow}px wider than the screen`);
    const background = await p.evaluate(() => getComputedStyle(document.querySelector('.thread-head')).backgroundColor);
    expect(background === 'rgb(22, 25, 34)', `thread head background ${background}`);
    mkdirSync(SHOTS, { recursive: true });
    await p.screenshot({ path: join(SHOTS, 'inbox-thread-360-dark.png'), fullPage: true });
    await p.click('a:has-text("← Conversations")');
    await p.waitForSelector('.conv:has-text("Grace Hopper")');
    await phone.close();
  });

  await check('website chat: offline form while everyone is away; then a visitor on another site chats live with an agent', async () => {
    const channel = await page.evaluate(async () => {
      const r = await fetch('/api/v1/channels', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'website', name: 'Shop chat', greeting: 'Ask us anything', color: '#0a7d5a' }) });
      return (await r.json()).data.id;
    });
    expect(channel, 'no website channel');
    const shop = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>The shop</h1><script src="${BASE}/widget.js" data-channel="${channel}" async></script></body></html>`);
    });
    await new Promise((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const shopUrl = `http://127.0.0.1:${shop.address().port}/`;
    const visitorContext = await browser.newContext({ viewport: { width: 390, height: 800 } });
    try {
      const v = await visitorContext.newPage();
      watch(v);
      await v.goto(shopUrl);
      await v.click('[data-playgram-chat] button.launch');
      await v.waitForSelector('[data-playgram-chat] form.offline');
      expect(await v.isVisible('[data-playgram-chat] form.offline >> text=Nobody is available right now'), 'no offline notice');
      // The agent becomes available from the inbox page; the widget then offers the chat.
      await page.goto(`${BASE}/app/inbox`);
      if (await page.isVisible('button:has-text("Away")')) await page.click('button:has-text("Away")');
      await page.waitForSelector('button:has-text("Available")');
      await v.reload();
      await v.click('[data-playgram-chat] button.launch');
      await v.fill('[data-playgram-chat] textarea', 'Hello from the shop page');
      await v.keyboard.press('Enter');
      await v.waitForSelector('[data-playgram-chat] li.visitor:has-text("Hello from the shop page")');
      await page.waitForSelector('.conv:has-text("Hello from the shop page")', { timeout: 15_000 });
      await page.click('.conv:has-text("Hello from the shop page")');
      await page.fill('#cp-text', 'Hi! How can I help?');
      await page.click('[data-composer] button:has-text("Send")');
      await v.waitForSelector('[data-playgram-chat] li.agent:has-text("Hi! How can I help?")', { timeout: 15_000 });
      mkdirSync(SHOTS, { recursive: true });
      await v.screenshot({ path: join(SHOTS, 'widget-390.png') });
    } finally {
      await visitorContext.close();
      shop.close();
    }
  });

  await check('screenshots at 1280/360 px in light and dark', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const pages = [
      ['overview', '/app'], ['team', '/app/team'], ['api-keys', '/app/api-keys'],
      ['audit-log', '/app/audit-log'], ['account', '/app/account'], ['workspaces', '/app/workspaces'],
      ['inbox', '/app/inbox'], ['inbox-thread', threadPath || '/app/inbox'], ['jobs', '/app/jobs'], ['jobs-dead', '/app/jobs?state=dead'],
      ['events', '/app/events'], ['not-found', '/nope'],
      ['contacts', '/app/contacts'], ['contact', contactPath], ['contact-new', '/app/contacts/new'],
      ['contact-tags', '/app/contacts/tags'], ['contact-fields', '/app/contacts/fields'],
      ['contact-imports', '/app/contacts/imports'], ['contact-import', importPath],
      ['contact-exports', '/app/contacts/exports'], ['contact-settings', '/app/contacts/settings'],
    ];
    const signedOut = [['login', '/login'], ['signup', '/signup'], ['password-reset', '/password-reset']];
    for (const width of [1280, 360]) {
      for (const scheme of ['light', 'dark']) {
        const options = { viewport: { width, height: width > 800 ? 900 : 780 }, colorScheme: scheme };
        const inside = await browser.newContext({ ...options, storageState: storage });
        const outside = await browser.newContext(options);
        for (const [list, ctx] of [[pages, inside], [signedOut, outside]]) {
          const p = await ctx.newPage();
          watch(p);
          for (const [name, path] of list) {
            await p.goto(`${BASE}${path}`);
            await p.screenshot({ path: join(SHOTS, `${name}-${width}-${scheme}.png`), fullPage: true });
          }
        }
        await inside.close();
        await outside.close();
      }
    }
  });

  await check('log in with two-factor: a wrong code is refused beside the field, the right one signs in', async () => {
    await logOut(page);
    await logInToPrompt(page);
    const right = () => totp(totpKey, currentStep());
    await page.fill('#totp-code', String((Number(right()) + 500000) % 1000000).padStart(6, '0'));
    await page.click('button:has-text("Verify and log in")');
    await page.waitForSelector('#totp-code-error');
    expect((await page.innerText('#totp-code-error')).includes('not right'), 'no message');
    expect((await page.getAttribute('#totp-code', 'aria-invalid')) === 'true', 'not marked invalid');
    const described = await page.getAttribute('#totp-code', 'aria-describedby');
    expect(described && described.includes('totp-code-error'), `aria-describedby: ${described}`);
    // A step's code works once, and enabling used one: wait for the next step if need be.
    while (currentStep() <= enabledStep) await sleep(250);
    await page.fill('#totp-code', right());
    await page.click('button:has-text("Verify and log in")');
    await page.waitForURL(`${BASE}/app`);
    expect((await heading(page)).startsWith('Welcome'), `heading: ${await heading(page)}`);
  });

  await check('log in using only the keyboard, then with a recovery code', async () => {
    await logOut(page);
    await page.goto(`${BASE}/login`);
    for (let i = 0; i < 8; i += 1) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement.id)) === 'login-email') break;
    }
    expect((await page.evaluate(() => document.activeElement.id)) === 'login-email', 'Tab never reached the email');
    await page.keyboard.type(USER.email);
    await page.keyboard.press('Tab');
    expect((await page.evaluate(() => document.activeElement.id)) === 'login-password', 'Tab skipped the password');
    await page.keyboard.type(USER.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/login\/2fa/);
    const focused = await page.evaluate(() => document.activeElement.id);
    expect(focused === 'totp-code', `the prompt focuses ${focused || 'nothing'}, not the code field`);
    await page.keyboard.type(recoveryCodes[0].toUpperCase());
    await page.keyboard.press('Enter');
    await page.waitForURL(`${BASE}/app`);
    expect((await heading(page)).startsWith('Welcome'), `heading: ${await heading(page)}`);
    await page.goto(`${BASE}/app/account`);
    const left = (await page.innerText('#two-factor-section')).match(/You have (\d+) unused/);
    expect(left && Number(left[1]) === recoveryCodes.length - 1, `unused: ${left && left[1]}`);
  });

  await check('a recovery code works only once', async () => {
    await logOut(page);
    await logInToPrompt(page);
    await page.fill('#totp-code', recoveryCodes[0]);
    await page.click('button:has-text("Verify and log in")');
    await page.waitForSelector('#totp-code-error');
    expect(new URL(page.url()).pathname === '/login/2fa', `at ${page.url()}`);
    const signedIn = await page.request.get(`${BASE}/app`, { maxRedirects: 0 });
    expect(signedIn.status() !== 200, 'the half session reaches /app');
    await page.fill('#totp-code', recoveryCodes[1]);
    await page.click('button:has-text("Verify and log in")');
    await page.waitForURL(`${BASE}/app`);
  });

  await check('no script errors or CSP violations on any page', async () => {
    expect(problems.length === 0, problems.join('\n'));
  });
  await context.close();
} catch (error) {
  failed += 1;
  console.log(`  FAIL unexpected: ${error && error.stack || error}`);
} finally {
  await browser.close();
}

console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
