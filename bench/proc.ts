import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Reading another process's resource use from /proc (Linux), the way `ps` and cAdvisor do, so the
 * operator is measured from outside without any instrumentation of its own.
 */

/** One reading of a process. */
export interface ProcessSample {
  /** Resident set size now (VmRSS). */
  rssMiB: number;
  /** Peak resident set size over the process's life (VmHWM). */
  hwmMiB: number;
  /** User + system CPU time consumed so far. */
  cpuSeconds: number;
}

let ticks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux in practice). */
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

function statusKiB(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  return match?.[1] ? Number(match[1]) : Number.NaN;
}

/** Reads RSS, peak RSS and CPU time of `pid`; undefined when the process is gone. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3; utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return {
      rssMiB: statusKiB(status, "VmRSS") / 1024,
      hwmMiB: statusKiB(status, "VmHWM") / 1024,
      cpuSeconds: (utime + stime) / clockTicks(),
    };
  } catch {
    return undefined;
  }
}

/** Sum of every sample of counter/gauge `name` in a Prometheus text exposition (0 when absent). */
export function scrapeMetric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] === name) sum += Number(match[3]);
  }
  return sum;
}
