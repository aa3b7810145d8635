// The user at the keyboard: Debian's Chromium, driven by puppeteer-core (no browser download).
// It opens the authorization URL a client hands it, signs in, approves the consent page and
// follows the redirect until it reaches the client's loopback callback.
import puppeteer from 'puppeteer-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const APPROVE = /^(yes|accept|allow|approve|authori[sz]e|continue|grant|consent)\b/i;

export async function launchBrowser() {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--password-store=basic'],
  });
}

/**
 * Signs in at authorizationUrl and approves what the pages ask, until the browser lands on the
 * client's redirect URI (the request's redirect_uri). Returns the pages it went through (hosts and
 * titles, never form values), for the report.
 */
export async function signIn(browser, authorizationUrl, { username, password }) {
  const callbackPrefix = new URL(authorizationUrl).searchParams.get('redirect_uri');
  if (!callbackPrefix) throw new Error('the authorization URL has no redirect_uri');
  const context = await browser.createBrowserContext(); // a fresh cookie jar: a new user each time
  const page = await context.newPage();
  const trail = [];
  try {
    await page.goto(authorizationUrl, { waitUntil: 'domcontentloaded', timeout: 30_000 });
    for (let step = 0; step < 6; step++) {
      if (page.url().startsWith(callbackPrefix)) return trail;
      trail.push(`${new URL(page.url()).host}: ${await page.title()}`);
      const passwordField = await page.$('input[type=password]');
      if (passwordField) {
        const userField = await page.$('input[name=username], input[name=login], input[type=email], input[type=text]');
        await userField.type(username);
        await passwordField.type(password);
        await submitAndWait(page, await page.$('form:has(input[type=password]) [type=submit]'));
      } else {
        await submitAndWait(page, await approveButton(page));
      }
    }
    if (page.url().startsWith(callbackPrefix)) return trail;
    throw new Error(`sign-in did not reach the callback; last page ${page.url().split('?')[0]} "${await page.title()}"`);
  } catch (e) {
    e.message += ` (pages: ${trail.join(' -> ') || 'none'})`;
    throw e;
  } finally {
    await context.close();
  }
}

async function approveButton(page) {
  for (const button of await page.$$('form [type=submit], form button')) {
    const label = await button.evaluate(b => `${b.value || ''} ${b.textContent || ''} ${b.name || ''}`.trim());
    if (APPROVE.test(label)) return button;
  }
  const text = (await page.evaluate(() => document.body.innerText)).slice(0, 300).replace(/\s+/g, ' ');
  throw new Error(`no sign-in form and no approve button on ${page.url().split('?')[0]}: "${text}"`);
}

async function submitAndWait(page, button) {
  if (!button) throw new Error(`no submit button on ${page.url().split('?')[0]}`);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: 30_000 }).catch(() => {}),
    button.click(),
  ]);
}
