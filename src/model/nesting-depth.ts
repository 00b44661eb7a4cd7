// How deep a parsed manifest nests. Pure; any thread. Kubernetes objects nest a dozen levels at
// most; anything far deeper is hostile or broken, and recursive code downstream (clone, stringify,
// validation) would overflow the stack on it.

/** Deeper than any Kubernetes object. */
export const MAX_NESTING = 64;

/** True when `root` nests deeper than `max` levels (the root object is level 1). Iterative, so a
 *  hostile value cannot overflow the stack here. */
export function nestsDeeperThan(root: unknown, max = MAX_NESTING): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A parser that recursed until the stack ran out: V8's RangeError "Maximum call stack size
 *  exceeded", thrown, or caught and kept as a parse error's message (the yaml library does that). */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof Error && /Maximum call stack size exceeded/.test(err.message);
}
