import type { ApplyEvent } from "../engine/apply.js";

const HOW = {
  reimported: "pre-run content re-imported",
  republished: "previous version re-published",
  deleted: "deleted: it did not exist before",
} as const;

/**
 * Apply progress for people: on a TTY one status line rewritten in place plus a line per finished flow;
 * elsewhere (CI logs) plain lines only, one per event.
 */
export function progressPrinter(
  out: NodeJS.WritableStream,
  total: number,
  live = (out as NodeJS.WriteStream).isTTY === true,
): (e: ApplyEvent) => void {
  // The rewritten status line needs a terminal; NO_COLOR / a pipe / a file get plain lines.
  const tty = live;
  let finished = 0;
  const running = new Set<string>();
  const status = (): void => {
    if (!tty) return;
    const names = [...running].slice(0, 3).join(", ");
    out.write(`\r\x1b[2K[${finished}/${total}] importing ${names}${running.size > 3 ? ", …" : ""}`);
  };
  const line = (text: string): void => {
    out.write(tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
    status();
  };
  return (e) => {
    switch (e.type) {
      case "started":
        running.add(e.key);
        if (tty) status();
        else line(`  … ${e.kind} ${e.key}`);
        break;
      case "imported":
        running.delete(e.key);
        finished += 1;
        line(`  ✓ [${finished}/${total}] ${e.key} published (id ${e.flowId}, ${(e.ms / 1000).toFixed(1)}s)`);
        break;
      case "failed":
        running.delete(e.key);
        line(`  ✗ ${e.key} failed: ${e.error}`);
        break;
      case "pruned":
        line(`  - ${e.key} deleted (pruned)`);
        break;
      case "backed-up":
        if (e.keys.length > 0) line(`  · pre-run content of ${e.keys.length} flow(s) kept for a rollback`);
        break;
      case "recovering":
        line(`  ! an interrupted run of ${e.revision} was found (${e.flows} flow(s)); restoring it first`);
        break;
      case "settling":
        line(`  … waiting for ${e.jobs} import job(s) still running before restoring`);
        break;
      case "rolled-back":
        line(`  ↺ ${e.key} rolled back (${HOW[e.how]})`);
        break;
      case "verified":
        line(`  ✓ ${e.key} verified: it publishes its pre-run content again`);
        break;
    }
  };
}
