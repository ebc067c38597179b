import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawnCli } from "../../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { PROD_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { layoutFiles } from "./fixture.js";

/** `apply --change-windows`: the operator's windows for the CLI, against a real emulator and Git repo. */

let emulator: TestEmulator;
let repo: TestRepo;
let dir: string;
const ENV = { GENESYS_CLIENT_SECRET: PROD_CLIENT.secret };

beforeEach(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
  repo = await makeRepo(layoutFiles());
  dir = await mkdtemp(join(tmpdir(), "ivr-cli-windows-"));
});
afterEach(async () => {
  await emulator.close();
  await repo.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const args = (...extra: string[]) => [
  "--dir",
  repo.dir,
  "--env",
  "prod",
  "--emulator",
  emulator.url,
  "--client-id",
  PROD_CLIENT.id,
  "--state-dir",
  join(dir, "state"),
  ...extra,
];

/** An IvrPromotion manifest whose only window is a freeze covering all time. */
const FROZEN = `apiVersion: ivr.promoter.dev/v1alpha1
kind: IvrPromotion
metadata: { name: prod }
spec:
  changeWindows:
    timeZone: Europe/Berlin
    deny: [{ name: year-end-freeze, cron: "0 0 1 1 *", duration: 8784h }]
`;

const flows = async () => (await emulator.admin.org("prod")).flows.filter((f) => !f.deleted);

describe("ivr-promoter apply --change-windows", () => {
  it("writes nothing outside the windows (exit 3), then writes with an override reason", async () => {
    const file = join(dir, "promotion.yaml");
    await writeFile(file, FROZEN);
    const held = await spawnCli(["apply", ...args("--change-windows", file)], ENV).done;
    expect(held.code).toBe(3);
    expect(held.stderr).toMatch(
      /plan sha256:[0-9a-f]{32} not applied, inside deny window "year-end-freeze": nothing was written; no window opens within 400 days; --override-change-window REASON writes anyway/,
    );
    expect(await flows()).toEqual([]);
    expect((await emulator.admin.org("prod")).jobs).toEqual([]);

    const reason = "INC-4711 hotfix";
    const forced = await spawnCli(
      ["apply", ...args("--change-windows", file, "--override-change-window", reason)],
      ENV,
    ).done;
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(
      `warning: writing inside deny window "year-end-freeze" (change windows overridden: ${reason})`,
    );
    expect(await flows()).toHaveLength(3);
  });

  it("applies inside an allow window, read from a bare changeWindows file", async () => {
    const file = join(dir, "windows.yaml");
    await writeFile(file, "allow: [{ cron: '0 0 1 1 *', duration: 8784h }]\n");
    const inside = await spawnCli(["apply", ...args("--change-windows", file)], ENV).done;
    expect(inside.code).toBe(0);
    expect(await flows()).toHaveLength(3);
  });

  it("refuses a bad windows file naming the file and field (exit 2)", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(file, FROZEN.replace("Europe/Berlin", "Europe/Berln"));
    const bad = await spawnCli(["apply", ...args("--change-windows", file)], ENV).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `--change-windows ${file}: spec.changeWindows.timeZone: is not a time zone Node's tz database knows`,
    );
    expect(await flows()).toEqual([]);
  });
});
