import { spawn, type ChildProcess } from "node:child_process";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from "node:net";
import { testGitEnv } from "./git-repo.js";

/**
 * Real git servers on loopback ports for integration tests: `git daemon` (git:// protocol, supports
 * shallow fetches) and `git http-backend` behind a tiny CGI bridge with HTTP Basic auth (the
 * smart-HTTP transport that GitHub and GitLab speak). Both serve every repository under `root`.
 */

/** A running server; `url(name)` is the address of repository `<root>/<name>`. */
export interface GitServer {
  port: number;
  url(name: string): string;
  close(): Promise<void>;
}

/** The HTTP server also records what clients sent, to check credentials went over the wire. */
export interface GitHttpServer extends GitServer {
  /** Authorization header values received, in order (Basic ones decoded to `user:password`). */
  authorizations: string[];
  /** Number of 401 answers given. */
  rejected: number;
}

/** Serves `root` over git:// by running `git daemon --inetd` for each TCP connection (no port race). */
export async function startGitDaemon(root: string): Promise<GitServer> {
  const children = new Set<ChildProcess>();
  const server = createTcpServer((socket) => {
    const child = spawn(
      "git",
      ["daemon", "--inetd", "--export-all", "--informative-errors", `--base-path=${root}`, root],
      {
        env: testGitEnv(),
        stdio: ["pipe", "pipe", "ignore"],
      },
    );
    children.add(child);
    child.on("exit", () => children.delete(child));
    socket.on("error", () => child.kill());
    socket.on("close", () => child.kill());
    socket.pipe(child.stdin!);
    child.stdout!.pipe(socket);
  });
  const port = await listen(server);
  return {
    port,
    url: (name) => `git://127.0.0.1:${port}/${name}`,
    close: async () => {
      for (const child of children) child.kill();
      await closeServer(server);
    },
  };
}

/** Options of {@link startGitHttpServer}. */
export interface GitHttpOptions {
  username: string;
  password: string;
  /**
   * Drop the client's Git-Protocol header, so the server speaks protocol v0 and (like many older
   * servers) refuses to send a commit that is not a ref tip when asked for it by SHA.
   */
  protocolV0?: boolean;
}

/** Serves `root` over smart HTTP; every request must carry Basic `username:password` or Bearer `password`. */
export async function startGitHttpServer(root: string, credentials: GitHttpOptions): Promise<GitHttpServer> {
  const expected = `${credentials.username}:${credentials.password}`;
  const state = { authorizations: [] as string[], rejected: 0 };
  const server = createHttpServer((req, res) => {
    const header = req.headers.authorization ?? "";
    const decoded = header.startsWith("Basic ")
      ? Buffer.from(header.slice(6), "base64").toString("utf8")
      : header;
    if (header) state.authorizations.push(decoded);
    if (decoded !== expected && decoded !== `Bearer ${credentials.password}`) {
      state.rejected += 1;
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" });
      res.end("unauthorized\n");
      return;
    }
    runHttpBackend(root, credentials, req, res);
  });
  const port = await listen(server);
  return {
    port,
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    close: () => closeServer(server),
    get authorizations() {
      return state.authorizations;
    },
    get rejected() {
      return state.rejected;
    },
  };
}

/** A TCP server that accepts connections and never answers: a hung git server, for timeout tests. */
export async function startBlackhole(): Promise<GitServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    url: (name) => `git://127.0.0.1:${port}/${name}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

/** A loopback port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await closeServer(server);
  return port;
}

function runHttpBackend(
  root: string,
  options: GitHttpOptions,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const env: Record<string, string> = {
    ...testGitEnv(),
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: options.username,
    REMOTE_ADDR: "127.0.0.1",
  };
  if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
  if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = req.headers["content-encoding"];
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string" && !options.protocolV0) env.GIT_PROTOCOL = protocol;
  const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "ignore"] });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    headersSent = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.on("close", () => {
    if (!headersSent) res.writeHead(502);
    res.end();
  });
}

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  if ("closeAllConnections" in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
