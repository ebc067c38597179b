import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync, readdirSync } from "node:fs";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { IMAGE_NODE_OPTIONS } from "../../../bench/operator-scale.js";

/**
 * The Dockerfile cannot be built on this machine (no Docker), so its key properties are checked by
 * reading it: a multi-stage build whose runtime stage has production dependencies only, git and ssh,
 * a numeric non-root user, `node dist/main.js` as entrypoint and no secrets. The rest of "it would
 * work" is checked where it can be: every runtime import is a production dependency, and the build
 * configuration emits dist/main.js (test/integration/deploy/build.test.ts runs it).
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** One instruction: keyword and its arguments, continuation lines joined, comments dropped. */
interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** A small Dockerfile reader: enough to inspect instructions per stage. */
function parseDockerfile(text: string): { instructions: Instruction[]; stages: string[] } {
  const logical: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") && current === "") continue; // comments and parser directives
    if (line === "" && current === "") continue;
    if (line.endsWith("\\")) current += `${line.slice(0, -1)} `;
    else {
      logical.push(current + line);
      current = "";
    }
  }
  const instructions: Instruction[] = [];
  const stages: string[] = [];
  for (const line of logical) {
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) throw new Error(`unparsable Dockerfile line: ${line}`);
    const keyword = match[1].toUpperCase();
    if (keyword === "FROM") stages.push(/\bAS\s+(\S+)/i.exec(match[2])?.[1] ?? `#${stages.length}`);
    instructions.push({ keyword, args: match[2].trim(), stage: stages.length - 1 });
  }
  return { instructions, stages };
}

const dockerfile = parseDockerfile(read("Dockerfile"));
const finalStage = dockerfile.stages.length - 1;
const inStage = (stage: number, keyword: string) =>
  dockerfile.instructions.filter((i) => i.stage === stage && i.keyword === keyword);
const stageIndex = (name: string) => dockerfile.stages.indexOf(name);

describe("Dockerfile", () => {
  it("caps V8's heap exactly as the operator-scale benchmark measured it", () => {
    const env = inStage(finalStage, "ENV")
      .map((i) => i.args)
      .join(" ");
    expect(env).toContain(`NODE_OPTIONS=${IMAGE_NODE_OPTIONS}`);
  });

  it("builds in separate stages from a Node 20 slim base", () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const arg = dockerfile.instructions.find((i) => i.keyword === "ARG" && i.args.startsWith("NODE_IMAGE="));
    expect(arg?.args).toMatch(/^NODE_IMAGE=node:20[-.\w]*-slim(@sha256:[0-9a-f]{64})?$/);
    for (const from of dockerfile.instructions.filter((i) => i.keyword === "FROM")) {
      expect(from.args).toMatch(/^\$\{NODE_IMAGE\}/);
    }
  });

  it("compiles with dev dependencies in the build stage only", () => {
    const build = stageIndex("build");
    expect(build).toBeGreaterThanOrEqual(0);
    const runs = inStage(build, "RUN").map((r) => r.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !r.includes("--omit=dev"))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
  });

  it("ships production dependencies only, installed from the lockfile", () => {
    const copies = inStage(finalStage, "COPY").map((c) => c.args);
    const nodeModules = copies.find((c) => /\snode_modules\s*$|\.\/node_modules$/.test(c));
    const from = /--from=(\S+)/.exec(nodeModules ?? "")?.[1];
    expect(from, "node_modules copied from a dependency stage").toBeDefined();
    const depsStage = stageIndex(from ?? "");
    const installs = inStage(depsStage, "RUN").map((r) => r.args);
    expect(installs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    // Only dist/ leaves the build stage: no dev node_modules, no sources.
    const fromBuild = copies.filter((c) => c.includes("--from=build"));
    expect(fromBuild).toHaveLength(1);
    expect(fromBuild[0]).toMatch(/\/dist\s+\.\/dist$/);
  });

  it("has git and openssh-client in the runtime image", () => {
    const runs = inStage(finalStage, "RUN").map((r) => r.args);
    const apt = runs.find((r) => r.includes("apt-get install"));
    expect(apt).toMatch(/\bgit\b/);
    expect(apt).toMatch(/\bopenssh-client\b/);
    expect(apt).toMatch(/--no-install-recommends/);
    expect(apt).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
  });

  it("runs as a numeric non-root user, node dist/main.js operator", () => {
    const users = inStage(finalStage, "USER");
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0]?.args ?? "").split(":");
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(gid).toMatch(/^\d+$/);
    // USER comes after every RUN of the final stage, so nothing runs as root at runtime.
    const last = (k: string) =>
      dockerfile.instructions.findLastIndex((i) => i.stage === finalStage && i.keyword === k);
    expect(last("USER")).toBeGreaterThan(last("RUN"));
    const exec = (k: string) =>
      z.array(z.string()).parse(JSON.parse(inStage(finalStage, k)[0]?.args ?? "null"));
    expect(exec("ENTRYPOINT")).toEqual(["node", "dist/main.js"]);
    expect(exec("CMD")).toEqual(["operator"]);
  });

  it("points HOME and the Git cache at volumes, for a read-only root filesystem", () => {
    const env = inStage(finalStage, "ENV")
      .map((e) => e.args)
      .join(" ");
    expect(env).toMatch(/\bHOME=\/tmp\b/);
    expect(env).toMatch(/\bIVR_PROMOTER_CACHE_DIR=\/var\/cache\/ivr-promoter\b/);
    expect(env).toMatch(/\bNODE_ENV=production\b/);
  });

  it("carries no secrets and copies no build context wholesale", () => {
    for (const i of dockerfile.instructions.filter((x) => x.keyword === "ENV" || x.keyword === "ARG")) {
      expect(i.args).not.toMatch(/(secret|password|token|api[_-]?key|credential)/i);
    }
    for (const copy of dockerfile.instructions.filter((x) => x.keyword === "COPY" || x.keyword === "ADD")) {
      expect(copy.keyword, "COPY, not ADD (no remote URLs or tar magic)").toBe("COPY");
      expect(copy.args).not.toMatch(/^\.\s|\s\.\s+\.?\/?$/);
    }
  });

  it("keeps the build context to what the Dockerfile copies", () => {
    const ignore = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(ignore[0]).toBe("*"); // deny by default
    const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
    const copied = dockerfile.instructions
      .filter((i) => i.keyword === "COPY" && !i.args.includes("--from="))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(new Set(copied)).toEqual(new Set(allowed));
    for (const never of ["**/.env", "**/*.pem", "**/*.key"]) expect(ignore).toContain(never);
  });
});

describe("the runtime image's JavaScript", () => {
  const pkg = z
    .object({
      bin: z.record(z.string(), z.string()),
      dependencies: z.record(z.string(), z.string()),
      devDependencies: z.record(z.string(), z.string()),
    })
    .parse(JSON.parse(read("package.json")));

  it("is emitted by tsconfig.build.json at the paths the image runs", () => {
    const config = ts.readConfigFile(join(ROOT, "tsconfig.build.json"), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    expect(parsed.errors).toEqual([]);
    expect(relative(ROOT, parsed.options.rootDir ?? "")).toBe("src");
    expect(relative(ROOT, parsed.options.outDir ?? "")).toBe("dist");
    expect(parsed.options.noEmit ?? false).toBe(false);
    expect(parsed.fileNames.every((f) => relative(ROOT, f).startsWith("src/"))).toBe(true);
    expect(parsed.fileNames.map((f) => relative(ROOT, f))).toContain("src/main.ts");
    // The npm bin is a shim that runs dist/main.js once built (tsx on src/ before that).
    expect(pkg.bin["ivr-promoter"]).toBe("bin/ivr-promoter.mjs");
    expect(readFileSync(join(ROOT, "bin/ivr-promoter.mjs"), "utf8")).toContain(
      'join(root, "dist", "main.js")',
    );
  });

  it("imports only Node built-ins and production dependencies (npm ci --omit=dev is enough)", () => {
    const builtins = new Set(builtinModules);
    const packageOf = (spec: string) =>
      spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? spec);
    const offenders: string[] = [];
    for (const file of sourceFiles(join(ROOT, "src"))) {
      for (const spec of runtimeImports(readFileSync(file, "utf8"), file)) {
        if (spec.startsWith(".") || spec.startsWith("node:") || builtins.has(spec)) continue;
        if (!(packageOf(spec) in pkg.dependencies)) offenders.push(`${relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Module specifiers loaded at run time: value imports, re-exports and `import()`; `import type` is erased. */
function runtimeImports(text: string, file: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2023, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      const named = node.importClause?.namedBindings;
      const allTypes =
        node.importClause !== undefined &&
        node.importClause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
