#!/usr/bin/env node
// SPDX-License-Identifier: MIT
/*
 * Headless Chromium test of a `selfprof compare` report, driven by
 * playwright-core with the system browser (no browser download).
 *
 *   node compare.test.js --report R.html --json R.json --out DIR [--name N]
 *        [--crate NAME] [--nasty] [--budget-ms MS]
 *
 * R.json is `selfprof compare --json` of the same inputs: the expected
 * numbers. Opens the page from file://, checks the crates table, opens a
 * crate (--crate, else the one with the largest self-time change present in
 * both runs), checks the query table's first row, sorts by a column and
 * checks the order, goes back. --nasty: the synthetic inputs' crate_001
 * holds labels with </script>, <!-- and quotes, which must show verbatim.
 * --budget-ms: fail when loading, opening a crate or sorting takes longer.
 * Screenshots: DIR/N-crates.png, DIR/N-crate.png (top of the crate view),
 * DIR/N-queries.png (its query table). Prints TAP.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const SELF = 0;

function parseArgs(argv) {
	const a = { name: 'report', budgetMs: 0, nasty: false };
	for (let i = 2; i < argv.length; i++) {
		const k = argv[i], v = () => argv[++i];
		if (k === '--report') a.report = v();
		else if (k === '--json') a.json = v();
		else if (k === '--out') a.out = v();
		else if (k === '--name') a.name = v();
		else if (k === '--crate') a.crate = v();
		else if (k === '--nasty') a.nasty = true;
		else if (k === '--budget-ms') a.budgetMs = +v();
		else throw new Error(`unknown argument ${k}`);
	}
	if (!a.report || !a.json || !a.out) throw new Error('need --report, --json and --out');
	return a;
}

/* TAP output; a failed check records and goes on, like the C harness. */
let n = 0, failed = 0;
function check(cond, what, detail) {
	n++;
	if (cond) console.log(`ok ${n} ${what}`);
	else { failed++; console.log(`not ok ${n} ${what}${detail ? '\n#   ' + detail : ''}`); }
	return cond;
}
function eq(got, want, what) {
	return check(JSON.stringify(got) === JSON.stringify(want), what,
		`got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

const byLabel = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
const sideSelf = (s) => (s ? s.sum.self_ns : 0);
const crateDelta = (c) => sideSelf(c.new) - sideSelf(c.base);

/* The crate the page should list first: largest |Δ self|, then by name. */
function expectedFirstCrate(data) {
	return data.crates.slice().sort((x, y) =>
		Math.abs(crateDelta(y)) - Math.abs(crateDelta(x)) || byLabel(x.crate, y.crate))[0].crate;
}

function pickCrate(data, wanted) {
	if (wanted) return data.crates.find((c) => c.crate === wanted);
	return data.crates.filter((c) => c.base && c.new)
		.sort((x, y) => Math.abs(crateDelta(y)) - Math.abs(crateDelta(x)))[0];
}

/* Numbers of the rendered query rows, read from the exact values in titles. */
async function queryRows(page, cellIndex) {
	return page.$$eval('#queries tbody tr', (trs, ci) => trs.map((tr) => ({
		label: tr.querySelector('th .lab').textContent,
		value: tr.cells[ci] ? parseInt(tr.cells[ci].title, 10) : NaN,
	})), cellIndex);
}

function nonIncreasing(v) { return v.every((x, i) => i === 0 || v[i - 1] >= x); }
function nonDecreasing(v) { return v.every((x, i) => i === 0 || v[i - 1] <= x); }

async function timed(fn) {
	const t0 = Date.now();
	await fn();
	return Date.now() - t0;
}

async function checkCratesView(page, data, a, times) {
	const rows = await page.$$eval('#crates tbody tr', (trs) => trs.map((tr) => tr.dataset.name));
	eq(rows.length, Math.min(data.crates.length, 500), 'crates table lists every crate (up to 500)');
	eq(rows[0], expectedFirstCrate(data), 'crates sorted by |Δ self| first');
	const foot = await page.textContent('#crates tfoot');
	check(foot.includes(`${data.crates.length} crates`), 'totals row counts the crates', foot);
	times.sortCrates = await timed(() => page.click('button[data-ckey="name"]'));
	const byName = await page.$$eval('#crates tbody tr', (trs) => trs.map((tr) => tr.dataset.name));
	eq(byName, byName.slice().sort(byLabel), 'crates sorted by name after a click on Crate');
	const part = rows[0].slice(0, 3);
	await page.fill('#crate-filter', part);
	const filtered = await page.$$eval('#crates tbody tr', (trs) => trs.map((tr) => tr.dataset.name));
	check(filtered.length > 0 && filtered.every((x) => x.toLowerCase().includes(part.toLowerCase())),
		`filter "${part}" keeps only matching crates`, filtered.join(','));
	await page.fill('#crate-filter', '');
	await page.screenshot({ path: path.join(a.out, `${a.name}-crates.png`) });
}

async function checkCrateView(page, data, a, times) {
	const crate = pickCrate(data, a.crate);
	if (!check(crate, 'a crate to open')) return;
	/* Find it by the filter box (it may be below a 500-row cap), then click. */
	await page.fill('#crate-filter', crate.crate);
	times.open = await timed(async () => {
		await page.click(`#crates tbody tr[data-name="${crate.crate.replace(/"/g, '\\"')}"] td.name a`);
		await page.waitForSelector('body[data-view="crate"]');
	});
	eq(decodeURIComponent(new URL(page.url()).hash), `#crate=${crate.crate}`, 'hash route names the crate');
	check((await page.textContent('#crate-title')).startsWith(crate.crate), 'crate title names the crate');

	const q0 = crate.queries[0];
	const first = await page.$eval('#queries tbody tr', (tr) => ({
		label: tr.querySelector('th .lab').textContent,
		before: tr.cells[1].title, after: tr.cells[2].title, delta: tr.cells[3].title,
	}));
	eq(first, {
		label: q0.label, before: `${q0.base ? q0.base.self_ns : 0} ns`,
		after: `${q0.new ? q0.new.self_ns : 0} ns`, delta: `${q0.delta.self_ns} ns`,
	}, 'first query row: largest |Δ self|, with its numbers');

	const bars = await page.$$eval('#chart g.bar', (g) => g.length);
	eq(bars, Math.min(20, crate.queries.filter((q) => q.delta.self_ns !== 0).length), 'chart has the top-20 deltas');

	/* Sort by self time after: descending first, ascending on a second click. */
	times.sort = await timed(() => page.click('button[data-qkey="n0"]'));
	let rows = await queryRows(page, 2);
	const maxNew = crate.queries.slice().sort((x, y) =>
		(y.new ? y.new.self_ns : 0) - (x.new ? x.new.self_ns : 0) || byLabel(x.label, y.label))[0];
	eq(rows[0].label, maxNew.label, 'sorted by self time after: largest first');
	check(nonIncreasing(rows.map((r) => r.value)), 'self time after column is descending');
	await page.click('button[data-qkey="n0"]');
	rows = await queryRows(page, 2);
	check(nonDecreasing(rows.map((r) => r.value)), 'second click: ascending');
	await page.click('button[data-qkey="label"]');
	rows = await queryRows(page, 2);
	eq(rows.map((r) => r.label), rows.map((r) => r.label).sort(byLabel), 'sorted by query name');
	await checkPaging(page, crate);
	await checkChartClick(page);
	await page.click('button[data-qkey="d0"]');	/* back to something readable for the screenshots */
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: path.join(a.out, `${a.name}-crate.png`) });
	await page.locator('.qwrap').scrollIntoViewIfNeeded();
	await page.screenshot({ path: path.join(a.out, `${a.name}-queries.png`) });

	await page.goBack();
	await page.waitForSelector('body[data-view="crates"]');
	check(await page.isVisible('#crates'), 'browser back returns to the crates table');
}

/* Big crates render 100 rows at a time: "show more", then "show all". */
async function checkPaging(page, crate) {
	const total = crate.queries.length;
	const count = () => page.$$eval('#queries tbody tr', (trs) => trs.length);
	eq(await count(), Math.min(total, 100), 'query rows rendered 100 at a time');
	if (total <= 100) return;
	await page.click('#queries-more button[data-more]');
	eq(await count(), Math.min(total, 200), '"show more" renders 100 more');
	if (total > 200) await page.click('#queries-more button[data-all]');
	eq(await count(), total, '"show all" renders every query');
}

/* A bar of the chart brings its query's row into view and flashes it. */
async function checkChartClick(page) {
	const bar = await page.$('#chart g.bar:last-of-type');
	if (!check(bar, 'chart has bars')) return;
	const label = await bar.getAttribute('data-label');
	await bar.click();
	const flashed = await page.$$eval('#queries tbody tr.flash', (trs) => trs.map((tr) => tr.dataset.label));
	eq(flashed, [label], 'clicking a bar flashes its query row');
}

/* Labels that must not break out of the page's data or markup. */
async function checkNasty(page, data) {
	const crate = data.crates.find((c) => c.crate === 'crate_001');
	if (!check(crate, 'synthetic crate_001 exists')) return;
	await page.evaluate(() => { location.hash = '#crate=crate_001'; });
	await page.waitForSelector('body[data-view="crate"]');
	for (const want of ['</script><script>document.title=\'pwned\'</script>', '<!-- not a comment',
		'quote" back\\slash & <b>bold</b>', 'naïve ∆ label']) {
		await page.fill('#query-filter', want);
		const labels = await page.$$eval('#queries tbody tr th .lab', (l) => l.map((x) => x.textContent));
		eq(labels, [want], `label shown verbatim: ${want}`);
	}
	await page.fill('#query-filter', '');
	check(!(await page.title()).includes('pwned') && (await page.$$('#queries b')).length === 0,
		'no markup from labels executed or rendered');
}

async function main() {
	const a = parseArgs(process.argv);
	const data = JSON.parse(fs.readFileSync(a.json, 'utf8'));
	fs.mkdirSync(a.out, { recursive: true });
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-chromium-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		viewport: { width: 1400, height: 900 },
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
	});
	const errors = [];
	const times = {};
	try {
		const page = await ctx.newPage();
		page.on('pageerror', (e) => errors.push(e.message));
		page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
		/* Any request but the report itself would be a network access. */
		const requests = [];
		page.on('request', (r) => { if (r.url() !== 'file://' + path.resolve(a.report)) requests.push(r.url()); });
		times.load = await timed(async () => {
			await page.goto('file://' + path.resolve(a.report));
			await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
		});
		await checkCratesView(page, data, a, times);
		await checkCrateView(page, data, a, times);
		if (a.nasty) await checkNasty(page, data);
		times.page = await page.evaluate(() => window.selfprofCompare.timings);
		eq(requests, [], 'no network or other requests');
		eq(errors, [], 'no page errors');
	} finally {
		await ctx.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	const size = fs.statSync(a.report).size;
	console.log(`# ${a.name}: ${size} bytes, load ${times.load} ms, open crate ${times.open} ms, ` +
		`sort ${times.sort} ms, in page ${JSON.stringify(times.page)}`);
	if (a.budgetMs) {
		for (const k of ['load', 'open', 'sort'])
			check(times[k] <= a.budgetMs, `${k} within ${a.budgetMs} ms`, `${times[k]} ms`);
	}
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => { console.log(`not ok - ${e.stack || e}`); process.exit(1); });
