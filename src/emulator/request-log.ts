/** One logged request (CONTRACTS §3 `GET /__admin/requests`). */
export interface RequestLogEntry {
  seq: number;
  time: string;
  org: string | null;
  clientId: string | null;
  method: string;
  /** Path and query as sent. */
  path: string;
  /** Templated route (`/api/v2/flows/{flowId}`), or the path when no route matched. */
  route: string;
  status: number;
  correlationId: string;
}

/** A bounded in-memory log of API, token and S3 requests (admin calls are not logged). */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  constructor(private readonly capacity = 50_000) {}

  /** Appends an entry, numbering it; the oldest entries go when the log is full. */
  add(entry: Omit<RequestLogEntry, "seq">): void {
    this.seq += 1;
    this.entries.push({ seq: this.seq, ...entry });
    if (this.entries.length > this.capacity)
      this.entries = this.entries.slice(-Math.floor(this.capacity * 0.9));
  }

  /** Entries, optionally only those of `org`. */
  list(org?: string): RequestLogEntry[] {
    return org ? this.entries.filter((e) => e.org === org) : [...this.entries];
  }

  /** Empties the log (sequence numbers keep counting). */
  clear(): void {
    this.entries = [];
  }
}
