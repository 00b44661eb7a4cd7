// kubectl's AGE column: apimachinery `duration.HumanDuration` and kubectl's
// `translateTimestampSince` (spec §7.1). Pure; any thread.

/** Go's integer division and int() conversion truncate toward zero. */
const div = (a: number, b: number) => Math.trunc(a / b);

/** Compact, lossy rendering of a duration in milliseconds: `45s`, `3m20s`, `5h`, `2d3h`, `3y45d`. */
export function humanDuration(ms: number): string {
  const seconds = div(ms, 1000);
  // Up to a second into the future is clock skew between machines: show it as now.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = div(ms, 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = div(ms, 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${div(hours, 24)}d` : `${div(hours, 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${div(hours, 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = div(hours, 24) % 365;
    return d === 0 ? `${div(hours, 24 * 365)}y` : `${div(hours, 24 * 365)}y${d}d`;
  }
  return `${div(hours, 24 * 365)}y`;
}

/** AGE of an object created at `creationTimestamp` (RFC 3339), seen at `now` (epoch ms). */
export function age(creationTimestamp: string | undefined, now: number): string {
  if (!creationTimestamp) return '<unknown>';
  const t = Date.parse(creationTimestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}
