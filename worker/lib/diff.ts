/**
 * Line diff (Myers' O(ND) algorithm) for showing what changed between two versions of a text
 * artefact, such as a device configuration. Common leading/trailing lines are trimmed first and
 * lines are compared as small integers, so files of several thousand lines with a handful of
 * edits diff in milliseconds.
 */

/** One line of a diff: kept (`same`), inserted (`add`) or removed (`del`), with 1-based line numbers on each side. */
export type DiffLine = { op: "same" | "add" | "del"; text: string; oldLine: number | null; newLine: number | null };

/**
 * Beyond this many differing lines the backtracking trace (about D² integers) would cost too much
 * memory; the changed middle is then shown as all deletions followed by all additions.
 */
const MAX_EDIT_DISTANCE = 2000;

/** Lines of a text: split on LF, a trailing CR dropped per line; a final line break adds no empty line. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

/**
 * Myers shortest edit script between a[0..n) and b[0..m) (line ids), as a list of ops from start
 * to end, or null when the edit distance exceeds {@link MAX_EDIT_DISTANCE}.
 */
function myers(a: Int32Array, b: Int32Array): ("same" | "add" | "del")[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[-d..d] after round d.
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && d <= MAX_EDIT_DISTANCE; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))) x = v[offset + k + 1] ?? 0;
      else x = (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) found = d;
      if (found !== -1) break;
    }
    trace.push(v.slice(offset - d, offset + d + 1));
    if (found !== -1) break;
  }
  if (found === -1) return null;

  const ops: ("same" | "add" | "del")[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d - 1] ?? new Int32Array(0);
    const at = (k: number): number => prev[k + d - 1] ?? 0;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push("same");
      x--;
      y--;
    }
    ops.push(down ? "add" : "del");
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push("same");
    x--;
    y--;
  }
  return ops.reverse();
}

/**
 * Line-by-line difference between two texts (lines split on LF, trailing CR ignored), shortest
 * edit script first: unchanged lines are `same` with both line numbers, removed lines `del` with
 * their old line number, inserted lines `add` with their new line number. When more than a few
 * thousand lines differ, the changed region is reported as a block of deletions then additions.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const oldLines = splitLines(before);
  const newLines = splitLines(after);
  const out: DiffLine[] = [];

  let head = 0;
  while (head < oldLines.length && head < newLines.length && oldLines[head] === newLines[head]) head++;
  let tail = 0;
  while (tail < oldLines.length - head && tail < newLines.length - head && oldLines[oldLines.length - 1 - tail] === newLines[newLines.length - 1 - tail])
    tail++;

  for (let i = 0; i < head; i++) out.push({ op: "same", text: oldLines[i] ?? "", oldLine: i + 1, newLine: i + 1 });

  // Intern the middle lines as integers so the inner loop compares numbers, not strings.
  const ids = new Map<string, number>();
  const intern = (lines: string[], from: number, to: number): Int32Array => {
    const result = new Int32Array(to - from);
    for (let i = from; i < to; i++) {
      const line = lines[i] ?? "";
      let id = ids.get(line);
      if (id === undefined) {
        id = ids.size;
        ids.set(line, id);
      }
      result[i - from] = id;
    }
    return result;
  };
  const a = intern(oldLines, head, oldLines.length - tail);
  const b = intern(newLines, head, newLines.length - tail);
  const ops = myers(a, b) ?? [...new Array<"del">(a.length).fill("del"), ...new Array<"add">(b.length).fill("add")];

  let x = head;
  let y = head;
  for (const op of ops) {
    if (op === "same") {
      out.push({ op, text: oldLines[x] ?? "", oldLine: x + 1, newLine: y + 1 });
      x++;
      y++;
    } else if (op === "del") {
      out.push({ op, text: oldLines[x] ?? "", oldLine: x + 1, newLine: null });
      x++;
    } else {
      out.push({ op, text: newLines[y] ?? "", oldLine: null, newLine: y + 1 });
      y++;
    }
  }

  for (let i = 0; i < tail; i++) {
    const oldIndex = oldLines.length - tail + i;
    const newIndex = newLines.length - tail + i;
    out.push({ op: "same", text: oldLines[oldIndex] ?? "", oldLine: oldIndex + 1, newLine: newIndex + 1 });
  }
  return out;
}

/** Counts of added and removed lines in a diff, for a "+12 −3" summary. */
export function diffStats(d: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of d) {
    if (line.op === "add") added++;
    else if (line.op === "del") removed++;
  }
  return { added, removed };
}
