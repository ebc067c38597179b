import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

/**
 * Renders Mermaid diagrams with the real Mermaid library in headless Chromium (Debian's `chromium`):
 * a local page loads node_modules/mermaid, renders each diagram to SVG and writes the outcome into the
 * DOM, which `chromium --dump-dom` prints. `screenshot` renders one diagram to a PNG instead.
 */

const MERMAID = fileURLToPath(new URL("../../node_modules/mermaid/dist/mermaid.min.js", import.meta.url));
const run = promisify(execFile);

/** The Chromium binary ($CHROMIUM, else chromium / chromium-browser on PATH), or undefined. */
export function findChromium(): string | undefined {
  const fromEnv = process.env["CHROMIUM"];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser"])
      if (existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The outcome of one diagram. */
export interface MermaidOutcome {
  ok: boolean;
  /** Mermaid's error message when not ok. */
  error?: string;
  /** Size of the SVG produced, and how many nodes it drew. */
  svgBytes?: number;
  nodes?: number;
}

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--allow-file-access-from-files",
  "--virtual-time-budget=30000",
];

function page(diagrams: readonly string[], show: boolean): string {
  const data = JSON.stringify(diagrams).replace(/</g, "\\u003c");
  return `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#fff">
<pre id="result">pending</pre><div id="out"></div>
<script src="${pathToFileURL(MERMAID).href}"></script>
<script>
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default" });
(async () => {
  const results = [];
  for (const [i, d] of ${data}.entries()) {
    try {
      const { svg } = await mermaid.render("d" + i, d);
      const holder = document.createElement("div");
      holder.innerHTML = svg;
      results.push({ ok: true, svgBytes: svg.length, nodes: holder.querySelectorAll("g.node").length });
      ${show ? 'document.getElementById("out").innerHTML = svg; document.getElementById("result").style.display = "none";' : ""}
    } catch (e) {
      results.push({ ok: false, error: String((e && e.message) || e) });
    }
  }
  document.getElementById("result").textContent = JSON.stringify(results);
})();
</script></body></html>`;
}

/** Renders every diagram; one Chromium run for all of them. */
export async function renderMermaid(
  chromium: string,
  diagrams: readonly string[],
): Promise<MermaidOutcome[]> {
  const dir = await mkdtemp(join(tmpdir(), "ivr-mermaid-"));
  try {
    const file = join(dir, "page.html");
    await writeFile(file, page(diagrams, false));
    const { stdout } = await run(
      chromium,
      [...ARGS, `--user-data-dir=${join(dir, "profile")}`, "--dump-dom", pathToFileURL(file).href],
      {
        maxBuffer: 256 << 20,
        timeout: 120_000,
      },
    );
    const text = /<pre id="result"[^>]*>([\s\S]*?)<\/pre>/.exec(stdout)?.[1] ?? "";
    const decoded = text
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
    if (!decoded.startsWith("[")) throw new Error(`mermaid page did not finish: ${decoded.slice(0, 200)}`);
    return JSON.parse(decoded) as MermaidOutcome[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Renders one diagram to a PNG at `png`. */
export async function screenshotMermaid(
  chromium: string,
  diagram: string,
  png: string,
  size = "1100,900",
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ivr-mermaid-"));
  try {
    const file = join(dir, "page.html");
    await writeFile(file, page([diagram], true));
    await run(
      chromium,
      [
        ...ARGS,
        `--user-data-dir=${join(dir, "profile")}`,
        `--window-size=${size}`,
        "--hide-scrollbars",
        `--screenshot=${png}`,
        pathToFileURL(file).href,
      ],
      { timeout: 120_000 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
