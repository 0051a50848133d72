/**
 * The dashboard's page and its assets, embedded as text (in the bundle and the binary alike): the page's own
 * script and style, and diff2html's browser build, which renders a job's diff.
 *
 * @module
 */

import script from "./assets/app.js" with { type: "text" };
import style from "./assets/app.css" with { type: "text" };
import diffStyle from "diff2html/bundles/css/diff2html.min.css" with { type: "text" };
// The UI without syntax highlighting (90 KB rather than 1 MB); the page draws with `highlight: false`.
import diffScript from "diff2html/bundles/js/diff2html-ui-base.min.js" with { type: "text" };

/** The assets by path, with their content types. */
export const ASSETS: Readonly<Record<string, { readonly type: string; readonly body: string }>> = {
  "/assets/app.js": { type: "text/javascript; charset=utf-8", body: script },
  "/assets/app.css": { type: "text/css; charset=utf-8", body: style },
  "/assets/diff2html.css": { type: "text/css; charset=utf-8", body: diffStyle },
  "/assets/diff2html.js": { type: "text/javascript; charset=utf-8", body: diffScript },
};

/** The page, for the repository named `repo`. */
export function page(repo: string): string {
  const title = escapeHtml(`ork: ${repo}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/diff2html.css"><link rel="stylesheet" href="/assets/app.css">
<script src="/assets/diff2html.js"></script><script src="/assets/app.js" defer></script>
</head><body>
<header><h1>${title}</h1><div id="summary"></div></header>
<div id="train"></div>
<div id="message"></div>
<main>
<section><table><thead><tr><th>status</th><th>id</th><th>role</th><th>age</th><th>description</th></tr></thead>
<tbody id="jobs"></tbody></table></section>
<section id="detail"><p>Pick a job to see its record, gates, diff and log.</p></section>
</main>
</body></html>
`;
}

/**
 * Text safe inside HTML.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]!);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
