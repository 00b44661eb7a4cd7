// Equality label selectors as Services use them (`labels.Set(selector).AsSelectorPreValidated()`),
// and the `k=v,…` rendering kubectl prints (`labels.FormatLabels`). Pure; any thread.

/**
 * True when every selector pair is present in `labels`. An empty or missing selector matches
 * nothing: such a Service is "without selector" and gets no generated endpoints (an empty map does
 * not survive the API server's storage round trip, so upstream sees it as nil too).
 */
export function matchesSelector(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!hasSelector(selector)) return false;
  for (const [k, v] of Object.entries(selector!)) {
    if (labels === undefined || !Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  return true;
}

export function hasSelector(selector: Record<string, string> | undefined): boolean {
  return selector !== undefined && selector !== null && Object.keys(selector).length > 0;
}

/** Sorted `k=v` pairs joined by `,`; `<none>` when there are none. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}
