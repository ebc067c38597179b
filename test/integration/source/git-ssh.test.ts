import { execFile } from "node:child_process";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/logger.js";
// Snapshots are read-only: removeTree restores write bits first, so cleanup also works as non-root.
import { removeTree } from "../../../src/source/snapshot.js";
import { GitAuthError, GitSource, GitSpecError, GitUnreachableError } from "../../../src/source/index.js";
import { sshCommand } from "../../../src/source/git-env.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { closedPort } from "../../helpers/git-servers.js";

// SSH without an sshd (none is installed here): the real OpenSSH client checks that our options parse
// and take effect (`ssh -G`) and fails fast on a closed port; a stand-in ssh binary runs the transport
// end to end, the way sshd would (it runs `git-upload-pack` locally) and checks key and known_hosts.

const run = promisify(execFile);
const HOST = "git.example.test";

// A stand-in for ssh: records what it was given, refuses a wrong key or an unknown host like OpenSSH
// would ("Load key", "Host key verification failed."), then runs the remote command locally.
const FAKE_SSH = `#!/bin/sh
key=""; kh=""; prev=""
for a in "$@"; do
  case "$prev" in
    -i) key="$a" ;;
    -o) case "$a" in UserKnownHostsFile=*) kh="\${a#UserKnownHostsFile=}" ;; esac ;;
  esac
  prev="$a"
done
eval "cmd=\\\${$#}"
eval "dest=\\\${$(($# - 1))}"
host="\${dest#*@}"
{ echo "key=$key"; echo "mode=$(stat -c %a "$key")"; echo "kh=$kh"; echo "args=$*"; } >> "$FAKE_SSH_LOG"
cmp -s "$key" "$FAKE_SSH_EXPECT_KEY" || { echo "Load key \\"$key\\": invalid format" >&2; exit 255; }
grep -q "^$host " "$kh" || { echo "Host key verification failed." >&2; exit 255; }
exec sh -c "$cmd"
`;

let repo: TestRepo;
let work: string;
let privateKey: string;
let knownHosts: string;
let fakeSsh: string;
let log: string;

beforeAll(async () => {
  repo = await makeRepo({ "flows/a.yaml": "inboundCall:\n  name: A\n" });
  work = await mkdtemp(join(tmpdir(), "ivr-test-ssh-"));
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "ivr-test", "-f", join(work, "id")]);
  privateKey = await readFile(join(work, "id"), "utf8");
  const publicKey = (await readFile(join(work, "id.pub"), "utf8")).split(" ").slice(0, 2).join(" ");
  knownHosts = `${HOST} ${publicKey}\n`;
  fakeSsh = join(work, "fake-ssh");
  await writeFile(fakeSsh, FAKE_SSH, { mode: 0o755 });
  log = join(work, "ssh.log");
});

afterAll(async () => {
  await repo?.cleanup();
  if (work) await removeTree(work);
});

function sourceWith(sshBinary: string, timeoutMs = 20_000): GitSource {
  const env = { ...process.env, FAKE_SSH_LOG: log, FAKE_SSH_EXPECT_KEY: join(work, "id") };
  return new GitSource({ cacheDir: join(work, "cache"), logger: silentLogger(), env, sshBinary, timeoutMs });
}

describe("SSH command", () => {
  it("is understood by OpenSSH as: only this key, only these known hosts, strict checking, no prompts", async () => {
    const cmd = sshCommand("ssh", join(work, "my key"), join(work, "known hosts"), ["-o", "BatchMode=yes"]);
    await writeFile(join(work, "my key"), privateKey, { mode: 0o600 });
    const { stdout } = await run("sh", ["-c", `${cmd} -G -p 2222 git@${HOST}`]);
    const config = new Map(stdout.split("\n").map((l) => [l.split(" ")[0], l.slice(l.indexOf(" ") + 1)]));
    expect(config.get("identityfile")).toBe(join(work, "my key"));
    expect(config.get("identitiesonly")).toBe("yes");
    expect(config.get("userknownhostsfile")).toBe(join(work, "known hosts"));
    expect(config.get("globalknownhostsfile")).toBe("/dev/null");
    expect(config.get("stricthostkeychecking")).toBe("true");
    expect(config.get("batchmode")).toBe("yes");
    expect(config.get("port")).toBe("2222");
  });
});

describe("GitSource over SSH", () => {
  it("fetches with the key written 0600 to a temp file that is removed afterwards", async () => {
    await rm(log, { force: true });
    const url = `ssh://git@${HOST}${repo.dir}`;
    const checkout = await sourceWith(fakeSsh).checkout({
      url,
      auth: { type: "ssh", privateKey, knownHosts },
    });
    expect(checkout.commit).toBe(await repo.head());
    expect(await readFile(join(checkout.dir, "flows/a.yaml"), "utf8")).toContain("name: A");
    const calls = await readFile(log, "utf8");
    expect(calls).toContain("mode=600");
    expect(calls).toContain("StrictHostKeyChecking=yes");
    const keyPath = /^key=(.+)$/m.exec(calls)?.[1];
    expect(keyPath).toMatch(/ivr-promoter-git-/);
    await expect(access(keyPath!)).rejects.toThrow();
  });

  it("fails with GitAuthError when the host is not in known_hosts (no trust on first use)", async () => {
    const other = knownHosts.replace(HOST, "someone-else.test");
    const err = await sourceWith(fakeSsh)
      .resolve({ url: `git@${HOST}:${repo.dir}`, auth: { type: "ssh", privateKey, knownHosts: other } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitAuthError);
    expect(String(err)).toContain("Host key verification failed");
  });

  it("reports a closed port as unreachable through the real ssh client, without the key in the message", async () => {
    const port = await closedPort();
    const err = await sourceWith("ssh")
      .resolve({ url: `ssh://git@127.0.0.1:${port}/repo.git`, auth: { type: "ssh", privateKey, knownHosts } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitUnreachableError);
    expect(String(err)).toMatch(/connection refused/i);
    const body = privateKey.split("\n")[1]!;
    expect(`${String(err)} ${(err as Error).stack}`).not.toContain(body);
  });

  it("rejects an SSH key for an https URL and a missing known_hosts", async () => {
    const source = sourceWith("ssh");
    await expect(
      source.resolve({ url: "https://example.com/r.git", auth: { type: "ssh", privateKey, knownHosts } }),
    ).rejects.toBeInstanceOf(GitSpecError);
    await expect(
      source.resolve({ url: `git@${HOST}:r.git`, auth: { type: "ssh", privateKey, knownHosts: " " } }),
    ).rejects.toThrow(/auth\.knownHosts: must hold at least one known_hosts line/);
  });
});
