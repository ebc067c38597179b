import type { ApplyEvent } from "../engine/apply.js";

/**
 * Apply progress for people: on a TTY one status line rewritten in place plus a line per finished flow;
 * elsewhere (CI logs) plain lines only, one per event.
 */
export function progressPrinter(out: NodeJS.WritableStream, total: number): (e: ApplyEvent) => void {
  const tty = (out as NodeJS.WriteStream).isTTY === true;
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
      case "rolled-back":
        line(
          e.how === "left"
            ? `  · ${e.key} left as it was (the import did not change it)`
            : `  ↺ ${e.key} rolled back (${e.how === "deleted" ? "deleted: it did not exist before" : "previous version re-published"})`,
        );
        break;
    }
  };
}
