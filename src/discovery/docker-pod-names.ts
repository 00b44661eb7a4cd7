// Pod names for Docker containers: the container name made a DNS-1123 label (compose v1's
// `shop_web_1` → `shop-web-1`, compose v2's `shop-web-1` unchanged), and a short-id suffix for a
// container whose name clashes with another one's or with a Pod applied through the API. Pure;
// main thread.

const MAX = 63;
const SHORT_ID = 12;

/** `/Shop_Web.1` → `shop-web-1`: lower case, every other character a dash, no leading or trailing dash. */
export function podNameFor(containerName: string): string {
  const name = containerName.replace(/^\//, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, MAX).replace(/-+$/, '');
  return name || 'container';
}

export interface NamedContainer {
  id: string;
  /** The engine's name, `/` stripped. */
  name: string;
  /** RFC 3339; the older container keeps the plain name. */
  created: string;
}

/**
 * The Pod name of each container (by id). Among containers with the same plain name, the one
 * whose own name already is it keeps it, then the oldest, then the lowest id, so a re-list gives
 * every container the name it had; the others, and a container whose plain name `taken` says is
 * used by an applied Pod, get `-<short id>`.
 */
export function assignPodNames(containers: NamedContainer[], taken: (podName: string) => boolean): Map<string, string> {
  const byName = new Map<string, NamedContainer[]>();
  for (const c of containers) {
    const base = podNameFor(c.name);
    const group = byName.get(base);
    if (group) group.push(c); else byName.set(base, [c]);
  }
  const out = new Map<string, string>();
  for (const [base, group] of byName) {
    group.sort((a, b) => Number(b.name === base) - Number(a.name === base)
      || (a.created < b.created ? -1 : a.created > b.created ? 1 : 0) || (a.id < b.id ? -1 : 1));
    group.forEach((c, i) => {
      const suffix = `-${c.id.slice(0, SHORT_ID).toLowerCase()}`;
      out.set(c.id, i === 0 && !taken(base) ? base : `${base.slice(0, MAX - suffix.length).replace(/-+$/, '')}${suffix}`);
    });
  }
  return out;
}
