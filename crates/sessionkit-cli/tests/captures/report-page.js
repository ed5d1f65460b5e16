// The report page of `sessionkit conform --format html` as a person sees it: Chromium (Debian's,
// via playwright-core) opens the file, the test reads the counts it renders, clicks the matrix
// cell of the failed cases, opens the first one, and takes a screenshot. Prints what it saw as
// JSON for the Rust test to compare with the JSON report.
//
//   node report-page.js report.html shot.png    # CHROMIUM=/usr/bin/chromium
const { chromium } = require('playwright-core');
const path = require('path');

(async () => {
  const [file, shot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Any request beyond the file itself would be an external asset: refuse and count it.
  let external = 0;
  await page.route('**/*', (route) => {
    if (route.request().url().startsWith('file://')) return route.continue();
    external += 1;
    return route.abort();
  });
  await page.goto('file://' + path.resolve(file));
  const shown = (selector) => page.locator(selector).evaluate((e) => parseInt(e.textContent, 10));
  const seen = {
    external,
    cases: await page.locator('details.case').count(),
    failed: await shown('[data-count="grade-failed"]'),
    ok: await shown('[data-count="grade-ok"]'),
  };
  await page.locator('[data-count="cell-total-failed"]').click();
  seen.visible_after_click = await page.locator('details.case:visible').count();
  const first = page.locator('details.case:visible').first();
  await first.locator('summary').click();
  seen.opened_shows_request = await first.locator('pre').first().isVisible() &&
    (await first.innerText()).includes('X-HMAC-SIGNATURE');
  await page.screenshot({ path: shot });
  seen.external = external;
  await browser.close();
  process.stdout.write(JSON.stringify(seen));
})().catch((e) => { console.error(e); process.exit(1); });
