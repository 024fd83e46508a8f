// Render Markdown files with markdown-it (no math plugin, raw HTML allowed, as an LMS does),
// take the math spans back out of the HTML, and typeset each with KaTeX.
// Usage: node md_katex.js NODE_MODULES dollars|brackets FILE.md ...
// Prints JSON: {file: [{tex, display, error}]} (error: KaTeX's message, or null).
const path = require("path");
const modules = path.resolve(process.argv[2]);
const mode = process.argv[3];
const md = require(path.join(modules, "markdown-it"))({ html: true });
const katex = require(path.join(modules, "katex"));
const fs = require("fs");

function unescape(s) {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

const spans = mode === "brackets"
  ? /\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)/g
  : /\$\$([\s\S]+?)\$\$|\$([^$]+?)\$/g;
const out = {};
for (const file of process.argv.slice(4)) {
  const html = md.render(fs.readFileSync(file, "utf8"));
  const text = unescape(html.replace(/<[^>]+>/g, ""));
  const found = [];
  for (const m of text.matchAll(spans)) {
    const display = m[1] !== undefined;
    const tex = display ? m[1] : m[2];
    let error = null;
    try {
      katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "ignore" });
    } catch (e) {
      error = String(e.message || e);
    }
    found.push({ tex, display, error });
  }
  out[file] = found;
}
process.stdout.write(JSON.stringify(out));
