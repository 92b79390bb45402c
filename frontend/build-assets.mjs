#!/usr/bin/env node
// Builds crates/web/assets/css/kern.css: the KERN UX stylesheet from
// @kern-ux/native, cut down to the rules our templates actually use.
//
//   cd frontend && npm ci && npm run build-assets
//
// Options (mainly for trying things out):
//   --templates DIR   scan DIR instead of crates/web/templates
//   --out FILE        write FILE instead of crates/web/assets/css/kern.css
//
// What is scanned for class names, tags and attributes:
//   crates/web/templates/**/*.html   everything (tags, classes, attributes)
//   crates/web/assets/js/**/*.js     only tokens starting with "kern-"
//   crates/web/src/**/*.rs           only tokens starting with "kern-"
// A class name that is assembled at run time ("kern-alert--" + kind) cannot
// be found this way: write class names out in full, or add them to
// SAFELIST_CLASSES below.
//
// Fonts are not handled here; see subset-fonts.sh.

import { existsSync, readFileSync, readdirSync, mkdirSync, writeFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync, constants as zlibConstants } from "node:zlib";

const KERN_VERSION = "2.7.2";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const kernDir = join(here, "node_modules", "@kern-ux", "native");

// Classes that only JavaScript adds (progressive enhancement), or that the
// server picks at run time and that therefore appear in no template text.
// Keep this list short and explain each entry.
const SAFELIST_CLASSES = [
  "kern-loader--visible", // shown by script while a request is running
  "kern-light", // theme switch (also available as data-kern-theme="light")
  "kern-dark", // theme switch (also available as data-kern-theme="dark")
];

function fail(message) {
  console.error(`build-assets: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = {
    templates: join(repo, "crates", "web", "templates"),
    out: join(repo, "crates", "web", "assets", "css", "kern.css"),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--templates" || arg === "--out") {
      const value = argv[++i];
      if (!value) fail(`${arg} needs a value`);
      options[arg.slice(2)] = resolve(value);
    } else if (arg === "-h" || arg === "--help") {
      console.log("usage: node build-assets.mjs [--templates DIR] [--out FILE]");
      process.exit(0);
    } else {
      fail(`unknown argument ${arg} (try --help)`);
    }
  }
  return options;
}

function walk(dir, suffix) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walk(path, suffix));
    else if (entry.isFile() && entry.name.endsWith(suffix)) found.push(path);
  }
  return found.sort();
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function sizes(text) {
  const buf = Buffer.from(text, "utf8");
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 },
    }).length,
  };
}

async function main() {
  const [major] = process.versions.node.split(".").map(Number);
  if (major < 18) fail(`Node 18 or newer is needed, this is ${process.versions.node}`);

  const options = parseArgs(process.argv.slice(2));

  if (!existsSync(join(kernDir, "package.json"))) {
    fail(`${relative(process.cwd(), kernDir)} is missing: run "npm ci" in ${here} first`);
  }
  const kernPkg = JSON.parse(readFileSync(join(kernDir, "package.json"), "utf8"));
  if (kernPkg.version !== KERN_VERSION) {
    fail(`expected @kern-ux/native ${KERN_VERSION}, found ${kernPkg.version}: run "npm ci"`);
  }
  let PurgeCSS;
  try {
    ({ PurgeCSS } = await import("purgecss"));
  } catch {
    fail(`purgecss is not installed: run "npm ci" in ${here} first`);
  }

  // 1. What the pages use.
  const templateFiles = walk(options.templates, ".html");
  const scriptFiles = walk(join(repo, "crates", "web", "assets", "js"), ".js");
  const rustFiles = walk(join(repo, "crates", "web", "src"), ".rs");
  const content = [
    ...templateFiles.map((f) => ({ raw: readFileSync(f, "utf8"), extension: "html" })),
    ...[...scriptFiles, ...rustFiles].map((f) => ({ raw: readFileSync(f, "utf8"), extension: "kernonly" })),
  ];
  if (content.length === 0) content.push({ raw: "", extension: "html" });

  // 2. Cut the stylesheet down. The minified build is the input, so the
  //    output stays minified without another tool.
  const source = readFileSync(join(kernDir, "dist", "kern.min.css"), "utf8");
  const [result] = await new PurgeCSS().purge({
    content,
    css: [{ raw: source }],
    // Tokens of HTML: words made of letters, digits, "-" and "_".
    defaultExtractor: (text) => text.match(/[A-Za-z0-9_-]+/g) || [],
    extractors: [
      { extractor: (text) => text.match(/kern-[A-Za-z0-9_-]+/g) || [], extensions: ["kernonly"] },
    ],
    keyframes: true, // drop @keyframes no kept rule refers to
    fontFace: false, // KERN's CSS has none; fonts.css holds ours
    variables: false, // keep every custom property: themes refer to them
    safelist: {
      // "html" and "body" carry the base rules (box model, background, font);
      // ":root" (all tokens, light/dark values) is always kept by PurgeCSS.
      standard: ["html", "body", "data-kern-theme", ...SAFELIST_CLASSES],
      // KERN hands its colours to components through "-contextual" variables
      // set by one rule, ":is(body, .kern-light, ...):not([class*=kern-level-])".
      // PurgeCSS drops a selector made only of pseudo-classes, so keep it.
      greedy: [/^:is$/],
    },
  });

  let css = result.css.trim();
  // Rules every page needs, whatever the templates say. If a KERN update
  // renames them, stop rather than ship a stylesheet that looks broken.
  const required = [
    ["the light theme", "@media (prefers-color-scheme: light)"],
    ["the dark theme", "@media (prefers-color-scheme: dark)"],
    ["the forced theme selectors", "[data-kern-theme=dark]"],
    ["the contextual colour variables", "--kern-color-action-default-contextual:"],
    ["the default font family variable", "--kern-typography-font-family-default:"],
  ];
  for (const [what, needle] of required) {
    if (!css.includes(needle)) fail(`the output lost ${what} (${needle}); check the safelist`);
  }
  // The package ships no banner of its own; EUPL-1.2 (article 5) asks that a
  // modified copy says so and gives the date of the change.
  const charset = '@charset "UTF-8";';
  if (css.startsWith(charset)) css = css.slice(charset.length).trimStart();
  const body = css;

  const outFile = options.out;
  let stamp = new Date().toISOString().slice(0, 10);
  if (process.env.SOURCE_DATE_EPOCH) {
    stamp = new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString().slice(0, 10);
  } else if (existsSync(outFile)) {
    // Keep the old date when nothing but the date would change, so the file
    // (and its content hash) only changes when the CSS does.
    const old = readFileSync(outFile, "utf8");
    const oldBody = old.slice(old.indexOf("*/") + 2).trim();
    const oldStamp = /modified (\d{4}-\d{2}-\d{2})/.exec(old);
    if (oldBody === body && oldStamp) stamp = oldStamp[1];
  }
  const banner =
    `/*! KERN UX, @kern-ux/native ${KERN_VERSION} (https://gitlab.opencode.de/kern-ux/kern-ux-plain), ` +
    `licensed under the EUPL-1.2, see KERN-LICENSE.txt. ` +
    `Modified by the Rathaus project: unused rules removed by frontend/build-assets.mjs, modified ${stamp}. */`;
  // @charset must come first in a stylesheet, so it goes before the banner.
  const output = `${charset}\n${banner}\n${body}\n`;

  mkdirSync(dirname(outFile), { recursive: true });
  const previous = existsSync(outFile) ? readFileSync(outFile, "utf8") : null;
  if (previous !== output) writeFileSync(outFile, output);

  // 3. The licence travels with the stylesheet.
  const licenceOut = join(dirname(outFile), "KERN-LICENSE.txt");
  const licence =
    `KERN UX (npm package @kern-ux/native ${KERN_VERSION}), from which kern.css in this\n` +
    `folder is derived, is licensed under the European Union Public Licence v. 1.2\n` +
    `(EUPL-1.2). The package ships the licence in German; its text follows unchanged.\n` +
    `The EUPL is published in all official EU languages, each equally valid:\n` +
    `https://joinup.ec.europa.eu/collection/eupl/eupl-text-eupl-12\n` +
    `Source code of KERN UX: https://gitlab.opencode.de/kern-ux/kern-ux-plain\n` +
    `\n----------------------------------------------------------------------------\n\n` +
    readFileSync(join(kernDir, "LICENSE.md"), "utf8");
  if (!existsSync(licenceOut) || readFileSync(licenceOut, "utf8") !== licence) {
    writeFileSync(licenceOut, licence);
  }

  // 4. Report.
  const full = sizes(source);
  const out = sizes(output);
  const where = (p) => relative(process.cwd(), p) || ".";
  console.log(
    `scanned ${templateFiles.length} template(s) in ${where(options.templates)}` +
      `${templateFiles.length === 0 ? " (none yet: only base rules and variables kept)" : ""}, ` +
      `${scriptFiles.length} script(s), ${rustFiles.length} Rust file(s)`,
  );
  console.log(`full KERN CSS : raw ${kib(full.raw)}, gzip ${kib(full.gzip)}, brotli ${kib(full.brotli)}`);
  console.log(
    `${where(outFile)} : raw ${kib(out.raw)}, gzip ${kib(out.gzip)}, brotli ${kib(out.brotli)}` +
      `${previous === output ? " (unchanged)" : ""}`,
  );
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
