import { describe, expect, it } from "vitest";
import { parseHttpAddr, parseOperatorArgs } from "../../../src/cli/operator-args.js";
import { UsageError } from "../../../src/cli/command.js";
import { EnvConfigSchema } from "../../../src/config.js";

/** `ivr-promoter operator` flags: defaults from the environment config, and one-line usage errors. */

const env = (values: Record<string, string> = {}) => EnvConfigSchema.parse(values);

describe("parseOperatorArgs", () => {
  it("applies defaults, taking namespaces, identity and lease namespace from the config", () => {
    const args = parseOperatorArgs(
      [],
      env({ watchNamespaces: "a, b", podName: "promoter-7c9", podNamespace: "ivr-system" }),
    );
    expect(args).toMatchObject({
      namespaces: ["a", "b"],
      concurrency: 4,
      leaderElect: true,
      leaseName: "ivr-promoter-leader-election",
      leaseNamespace: "ivr-system",
      identity: "promoter-7c9",
      httpHost: "0.0.0.0",
      httpPort: 8080,
    });
  });

  it("reads every flag", () => {
    const args = parseOperatorArgs(
      [
        "--kubeconfig=/tmp/kc",
        "--namespaces",
        "x,y",
        "--label-selector",
        "shard=1",
        "--concurrency",
        "8",
        "--leader-elect=false",
        "--lease-name",
        "l",
        "--lease-namespace",
        "ns",
        "--http-addr",
        "127.0.0.1:0",
        "--git-cache-dir",
        "/var/cache/git",
      ],
      env(),
      42,
    );
    expect(args).toMatchObject({
      kubeconfig: "/tmp/kc",
      namespaces: ["x", "y"],
      labelSelector: "shard=1",
      concurrency: 8,
      leaderElect: false,
      leaseName: "l",
      leaseNamespace: "ns",
      httpHost: "127.0.0.1",
      httpPort: 0,
      gitCacheDir: "/var/cache/git",
    });
    expect(args.identity).toMatch(/_42$/);
  });

  it("defaults to the tenancy lockdown and reads the tenancy flags", () => {
    expect(parseOperatorArgs([], env()).tenancy).toEqual({
      allowedEndpoints: [],
      source: { allowInsecureHttp: false, allowLocal: false },
      limits: {
        maxRepoBytes: 256 << 20,
        maxFiles: 10_000,
        maxFileBytes: 16 << 20,
        cacheQuotaBytes: 1536 << 20,
      },
      allowCrossNamespaceRefs: false,
    });
    const args = parseOperatorArgs(
      [
        "--allowed-endpoints=https://api.example.com, http://127.0.0.1:*",
        "--allow-insecure-http=true",
        "--allow-local-git=true",
        "--allow-cross-namespace-refs=true",
        "--git-max-repo-size=1Gi",
        "--git-max-files=50",
        "--git-max-file-size=512Ki",
        "--git-cache-quota=4096",
        "--default-service-account=ivr-tenant",
      ],
      env(),
    );
    expect(args.tenancy).toEqual({
      allowedEndpoints: ["https://api.example.com", "http://127.0.0.1:*"],
      source: { allowInsecureHttp: true, allowLocal: true },
      limits: { maxRepoBytes: 1 << 30, maxFiles: 50, maxFileBytes: 512 << 10, cacheQuotaBytes: 4096 },
      allowCrossNamespaceRefs: true,
      defaultServiceAccount: "ivr-tenant",
    });
  });

  it.each([
    [
      ["--allowed-endpoints", "api.example.com"],
      /--allowed-endpoints: entry "api.example.com" is not an origin/,
    ],
    [["--allow-local-git=yes"], /--allow-local-git must be true or false, got 'yes'/],
    [["--git-cache-quota", "2GB"], /--git-cache-quota must be a size such as 256Mi, got '2GB'/],
    [["--git-max-files", "0"], /--git-max-files must be a positive integer, got '0'/],
    [["--concurrency", "0"], /--concurrency must be an integer 1\.\.64, got '0'/],
    [["--leader-elect=maybe"], /--leader-elect must be true or false, got 'maybe'/],
    [["--http-addr", "8080"], /--http-addr must be HOST:PORT or :PORT, got '8080'/],
    [["--bogus"], /operator: Unknown option '--bogus'/],
    [
      ["--default-service-account=Team_A"],
      /--default-service-account: "Team_A" is not a ServiceAccount name/,
    ],
  ])("rejects %j with a usage error", (argv, message) => {
    expect(() => parseOperatorArgs(argv, env())).toThrow(UsageError);
    expect(() => parseOperatorArgs(argv, env())).toThrow(message);
  });

  it("parses IPv6 and all-interfaces addresses", () => {
    expect(parseHttpAddr("[::1]:9440")).toEqual({ host: "::1", port: 9440 });
    expect(parseHttpAddr(":9440")).toEqual({ host: "0.0.0.0", port: 9440 });
  });
});
