/**
 * Action-plan timings of the CGRateS simulator: what `APIerSv1.SetActionPlan` stores for a timing
 * (engine.RITiming, as `getRITiming`/`checkDefaultTiming` build it, in UTC) and when it is next due
 * (`ActionTiming.GetNextStartTime`, for `APIerSv1.GetAccountActionPlan`).
 */

/** engine.RITiming as CGRateS marshals it. */
export type SimRITiming = {
  ID: string;
  Years: number[];
  Months: number[];
  MonthDays: number[];
  WeekDays: number[];
  StartTime: string;
  EndTime: string;
};

export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** The Time values `checkDefaultTiming` expands. */
export const DEFAULT_TIMINGS = ["*every_minute", "*hourly", "*daily", "*weekly", "*monthly", "*monthly_estimated", "*month_end", "*yearly"];

/** apier/v1 verifyFormat: "", *asap or hh:mm:ss (at most 8 characters, three integer parts). */
export function isValidTime(time: string): boolean {
  if (time === "" || time === "*asap" || DEFAULT_TIMINGS.includes(time)) return true;
  if (time.length > 8) return false;
  const parts = time.split(":");
  return parts.length === 3 && parts.every((p) => /^[+-]?\d+$/.test(p));
}

/** utils.Years/Months/MonthDays/WeekDays.Parse: `a;b` → [a, b]; "" and *any → []. */
function parseInts(s: string): number[] {
  if (s === "" || s === "*any") return [];
  return s
    .split(";")
    .map((x) => Number.parseInt(x.trim(), 10))
    .filter((n) => !Number.isNaN(n));
}

const hms = (d: Date) => [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map((n) => String(n).padStart(2, "0")).join(":");

/** The RITiming CGRateS stores for one AttrActionPlan (default timings are anchored at `now`). */
export function riTiming(
  t: { TimingID: string; Years: string; Months: string; MonthDays: string; WeekDays: string; Time: string },
  now = new Date(),
): SimRITiming {
  const base = { Years: [] as number[], Months: [] as number[], MonthDays: [] as number[], WeekDays: [] as number[], EndTime: "" };
  switch (t.Time) {
    case "*every_minute":
      return { ...base, ID: t.Time, StartTime: `*:*:${now.getUTCSeconds()}` };
    case "*hourly":
      return { ...base, ID: t.Time, StartTime: `*:${now.getUTCMinutes()}:${now.getUTCSeconds()}` };
    case "*daily":
      return { ...base, ID: t.Time, StartTime: hms(now) };
    case "*weekly":
      return { ...base, ID: t.Time, WeekDays: [now.getUTCDay()], StartTime: hms(now) };
    case "*monthly":
    case "*monthly_estimated":
      return { ...base, ID: t.Time, MonthDays: [now.getUTCDate()], StartTime: hms(now) };
    case "*month_end":
      return { ...base, ID: t.Time, MonthDays: [-1], StartTime: hms(now) };
    case "*yearly":
      return { ...base, ID: t.Time, Months: [now.getUTCMonth() + 1], MonthDays: [now.getUTCDate()], StartTime: hms(now) };
    default:
      return {
        ID: t.TimingID,
        Years: parseInts(t.Years),
        Months: parseInts(t.Months),
        MonthDays: parseInts(t.MonthDays),
        WeekDays: parseInts(t.WeekDays),
        StartTime: t.Time,
        EndTime: "",
      };
  }
}

/** When the timing is next due after `now` (RFC 3339), or the zero time for *asap and timings that never come. */
export function nextStartTime(t: SimRITiming, now = new Date()): string {
  if (t.StartTime === "*asap" || t.StartTime === "") return ZERO_TIME;
  const [h = "0", m = "0", s = "0"] = t.StartTime.split(":");
  const range = (v: string, max: number) => (v === "*" ? Array.from({ length: max }, (_, i) => i) : [Number.parseInt(v, 10)]);
  const hours = range(h, 24);
  const minutes = range(m, 60);
  const seconds = range(s, 60);
  const dayMatches = (d: Date) => {
    const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    const md = d.getUTCDate();
    return (
      (t.Years.length === 0 || t.Years.includes(d.getUTCFullYear())) &&
      (t.Months.length === 0 || t.Months.includes(d.getUTCMonth() + 1)) &&
      (t.MonthDays.length === 0 || t.MonthDays.some((x) => x === md || (x < 0 && lastDay + 1 + x === md))) &&
      (t.WeekDays.length === 0 || t.WeekDays.includes(d.getUTCDay()))
    );
  };
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let day = 0; day < 366 * 5; day++) {
    const d = new Date(start + day * 86_400_000);
    if (!dayMatches(d)) continue;
    for (const hh of hours)
      for (const mm of minutes)
        for (const ss of seconds) {
          const at = d.getTime() + ((hh * 60 + mm) * 60 + ss) * 1000;
          if (at > now.getTime()) return new Date(at).toISOString().replace(".000Z", "Z");
        }
  }
  return ZERO_TIME;
}
