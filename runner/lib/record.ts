import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { JobResult } from "./api";

/**
 * The local completed record: a JSON-lines file (`completed.jsonl` in the state directory) with one
 * line per job this runner finished, written and fsync'd after the work is done and before the
 * result is reported. A job leased again after a crash or a lost answer is found here and its
 * recorded result is posted again instead of running the job twice.
 */

/** One finished job. */
export type CompletedEntry = {
  job_id: string;
  /** The lease the work ran under (a re-post uses the current lease). */
  lease_id: string;
  attempts: number;
  /** When the work finished (ISO 8601). */
  at: string;
  result: JobResult;
};

/** Options of {@link openCompletedRecord}. */
export type CompletedRecordOptions = {
  /** Entries older than this are dropped when the file is opened (default 30 days). */
  retentionMs?: number;
  now?: () => Date;
};

/** The record, loaded in memory and appended to on disk. */
export type CompletedRecord = {
  /** The file's path. */
  readonly file: string;
  /** The recorded entry of a job, if it was finished here. */
  get(jobId: string): CompletedEntry | undefined;
  /** Appends an entry and fsyncs it before returning. */
  append(entry: CompletedEntry): void;
  /** How many jobs are recorded. */
  readonly size: number;
};

const FILE = "completed.jsonl";

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse a directory fsync; the file's own fsync still holds
  }
}

function isEntry(value: unknown): value is CompletedEntry {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  const r = e.result as Record<string, unknown> | null | undefined;
  return (
    typeof e.job_id === "string" &&
    typeof e.at === "string" &&
    typeof r === "object" &&
    r !== null &&
    (r.status === "succeeded" || r.status === "failed") &&
    typeof r.outputs === "object" &&
    r.outputs !== null
  );
}

/**
 * Opens (creating the directory, mode 0700, and the file, 0600) the record of `stateDir`. Lines that
 * do not parse (a write torn by a crash) and entries past the retention are dropped; when anything
 * was dropped the file is rewritten atomically (temporary file, fsync, rename).
 */
export function openCompletedRecord(stateDir: string, options: CompletedRecordOptions = {}): CompletedRecord {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, FILE);
  const now = options.now ?? (() => new Date());
  const oldest = now().getTime() - (options.retentionMs ?? 30 * 86_400_000);
  const entries = new Map<string, CompletedEntry>();
  let dropped = false;
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    if (text.length > 0 && !text.endsWith("\n")) dropped = true;
    for (const line of text.split("\n")) {
      if (line.trim().length === 0) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        dropped = true;
        continue;
      }
      if (!isEntry(value) || Date.parse(value.at) < oldest) {
        dropped = true;
        continue;
      }
      entries.set(value.job_id, value);
    }
  }
  if (dropped) {
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      const body = [...entries.values()].map((e) => `${JSON.stringify(e)}\n`).join("");
      if (body.length > 0) writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    fsyncDir(stateDir);
  } else if (!existsSync(file)) {
    closeSync(openSync(file, "a", 0o600));
    fsyncDir(stateDir);
  }
  return {
    file,
    get: (jobId) => entries.get(jobId),
    append(entry) {
      const fd = openSync(file, "a", 0o600);
      try {
        writeSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      entries.set(entry.job_id, entry);
    },
    get size() {
      return entries.size;
    },
  };
}
