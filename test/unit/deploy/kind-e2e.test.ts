import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { KIND_STACK } from "../../e2e/kind-stack.js";

/**
 * The kind e2e cannot run here (no Docker), so its pieces are checked for agreement: the names the test
 * reaches (KIND_STACK) exist in test/e2e/kind/stack.yaml and the script, and the shell scripts parse.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

const Obj = z.looseObject({
  kind: z.string(),
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
  spec: z.unknown().optional(),
});
const stack = parseAllDocuments(read("test/e2e/kind/stack.yaml")).map((d) => Obj.parse(d.toJS()));
const ServiceSpec = z.object({ ports: z.array(z.object({ name: z.string(), port: z.number() })) });

function service(name: string) {
  const svc = stack.find((o) => o.kind === "Service" && o.metadata.name === name);
  if (!svc) throw new Error(`stack.yaml has no Service ${name}`);
  return { namespace: svc.metadata.namespace, ports: ServiceSpec.parse(svc.spec).ports };
}

describe("kind e2e", () => {
  it("the emulator and git URLs the test uses are Services of stack.yaml", () => {
    for (const url of [KIND_STACK.emulatorUrl, KIND_STACK.gitUrl]) {
      const { hostname, port, protocol } = new URL(url);
      const [name, namespace] = hostname.split(".");
      const svc = service(name ?? "");
      expect(svc.namespace).toBe(namespace);
      expect(namespace).toBe(KIND_STACK.namespace);
      const expected = port ? Number(port) : protocol === "git:" ? 9418 : 80;
      expect(svc.ports.map((p) => p.port)).toContain(expected);
    }
    expect(KIND_STACK.emulatorProxy).toBe(
      `/api/v1/namespaces/${KIND_STACK.namespace}/services/http:genesys-emulator:8787/proxy`,
    );
  });

  it("the git daemon serves the repository path of the git URL", () => {
    const path = new URL(KIND_STACK.gitUrl).pathname; // /flows
    const text = read("test/e2e/kind/stack.yaml");
    expect(text).toContain(`git clone -q --bare /tmp/work /tmp/git${path}`);
    expect(text).toContain("--base-path=/tmp/git");
  });

  it("the script creates what stack.yaml mounts, in the namespace the test expects", () => {
    const script = read("test/e2e/kind-e2e.sh");
    expect(script).toContain(`STACK_NS=${KIND_STACK.namespace}`);
    for (const configMap of ["emulator-seed", "flow-repo"]) {
      expect(read("test/e2e/kind/stack.yaml")).toContain(`name: ${configMap}`);
      expect(script).toContain(`create configmap ${configMap}`);
    }
    // The chart release whose metrics Service the test scrapes through the proxy.
    expect(script).toMatch(
      /helm upgrade --install ivr-promoter charts\/ivr-promoter --namespace "\$SYSTEM_NS"/,
    );
    expect(KIND_STACK.metricsProxy).toContain(
      "/namespaces/ivr-promoter-system/services/http:ivr-promoter-metrics:http-metrics/",
    );
    expect(script).toContain("IVR_E2E_KIND=1 npx vitest run --project e2e");
  });

  it("the shell scripts parse (bash -n)", () => {
    for (const script of ["test/e2e/kind-e2e.sh", "test/envtest/build-helm.sh"]) {
      expect(() => execFileSync("bash", ["-n", join(ROOT, script)], { stdio: "pipe" }), script).not.toThrow();
    }
  });
});
