import { connect, createServer, type Server, type Socket } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

/**
 * A TCP proxy between a client and the real kube-apiserver, to produce the network failures a watch
 * must survive (TLS passes through untouched; the serving certificate is valid for 127.0.0.1):
 * - `open`: forwards bytes both ways;
 * - `refuse`: drops every current connection and resets new ones (API server down / restarting);
 * - `freeze`: keeps connections open but forwards nothing, new ones included (the silent dead stream
 *   of client-node issues #364/#596: no FIN, no error, no events). Bytes are held, not lost, and flow
 *   again when the proxy is opened.
 */

/** The proxy's behaviour. */
export type ProxyMode = "open" | "refuse" | "freeze";

interface Pair {
  client: Socket;
  upstream: Socket;
  held: Array<[Socket, Buffer]>;
}

/** See the file comment. */
export class TcpProxy {
  private mode: ProxyMode = "open";
  private readonly pairs = new Set<Pair>();
  /** Connections accepted so far. */
  connections = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free loopback port and forwards to `target` (`https://127.0.0.1:PORT`). */
  static async start(target: string): Promise<TcpProxy> {
    const url = new URL(target);
    const ready: { proxy?: TcpProxy } = {};
    const server = createServer((client) => ready.proxy?.accept(client, url.hostname, Number(url.port)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    ready.proxy = new TcpProxy(server, typeof address === "object" && address ? address.port : 0);
    return ready.proxy;
  }

  /** `kc` pointed at this proxy instead of the API server (same credentials). */
  kubeConfigFor(kc: KubeConfig): KubeConfig {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    const out = new KubeConfig();
    out.loadFromOptions({
      clusters: [{ ...cluster, server: `https://127.0.0.1:${this.port}` }],
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    return out;
  }

  /** Switches behaviour; `refuse` also drops current connections, `open` releases held bytes. */
  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === "refuse") this.sever();
    if (mode === "open") {
      for (const pair of this.pairs) {
        for (const [to, data] of pair.held.splice(0)) to.write(data);
      }
    }
  }

  /** Drops every current connection (both sides see a reset). */
  sever(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    this.connections++;
    if (this.mode === "refuse") {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(port, host);
    const pair: Pair = { client, upstream, held: [] };
    this.pairs.add(pair);
    const forward = (to: Socket) => (data: Buffer) => {
      if (this.mode === "freeze") pair.held.push([to, data]);
      else to.write(data);
    };
    client.on("data", forward(upstream));
    upstream.on("data", forward(client));
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on("error", drop);
      socket.on("close", drop);
    }
  }
}
