import { describe, expect, it } from "vitest";
import { REGION_DOMAINS, resolveHosts, UnknownRegionError } from "../../../src/genesys/regions.js";

describe("resolveHosts", () => {
  it("knows every region of genesys-api.md §1.4", () => {
    expect(Object.keys(REGION_DOMAINS).sort()).toEqual(
      [
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "ca-central-1",
        "sa-east-1",
        "mx-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-central-1",
        "eu-central-2",
        "eusc-de-east-1",
        "me-central-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
      ].sort(),
    );
  });

  it.each([
    ["us-east-1", "mypurecloud.com"],
    ["us-east-2", "use2.us-gov-pure.cloud"],
    ["eu-west-1", "mypurecloud.ie"],
    ["eu-central-1", "mypurecloud.de"],
    ["eusc-de-east-1", "edee1.eusc-pure.cloud"],
    ["ap-southeast-2", "mypurecloud.com.au"],
    ["ap-northeast-1", "mypurecloud.jp"],
    ["mx-central-1", "mxc1.pure.cloud"],
  ])("%s → api./login.%s", (region, domain) => {
    expect(resolveHosts({ region })).toEqual({
      apiBase: `https://api.${domain}`,
      loginBase: `https://login.${domain}`,
    });
  });

  it("maps every region to distinct api. and login. hosts", () => {
    for (const [region, domain] of Object.entries(REGION_DOMAINS)) {
      const hosts = resolveHosts({ region });
      expect(hosts.apiBase).toBe(`https://api.${domain}`);
      expect(hosts.loginBase).toBe(`https://login.${domain}`);
    }
  });

  it("accepts a domain and ignores case and whitespace", () => {
    expect(resolveHosts({ region: "mypurecloud.ie" }).apiBase).toBe("https://api.mypurecloud.ie");
    expect(resolveHosts({ region: " EU-West-2 " }).loginBase).toBe("https://login.euw2.pure.cloud");
  });

  it("uses an explicit baseUrl for both API and login (the emulator), without trailing slashes", () => {
    expect(resolveHosts({ region: "eu-west-1", baseUrl: "http://127.0.0.1:4010/" })).toEqual({
      apiBase: "http://127.0.0.1:4010",
      loginBase: "http://127.0.0.1:4010",
    });
  });

  it("defaults to us-east-1 like the SDKs", () => {
    expect(resolveHosts({}).apiBase).toBe("https://api.mypurecloud.com");
  });

  it("rejects an unknown region with a Stalled error that lists the known ones", () => {
    const err = (() => {
      try {
        resolveHosts({ region: "mars-north-1" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownRegionError);
    expect((err as UnknownRegionError).reason).toBe("Stalled");
    expect((err as UnknownRegionError).message).toMatch(/mars-north-1.*eu-west-1/);
  });
});
