// Pure helpers for recommendations in messages (no I/O).

/** Recommended items an email shows when a template part mentions `recommendations`. */
export const EMAIL_RECOMMENDATIONS = 3;

/**
 * True when a template part mentions `recommendations`: the lookup is made only for those, so other
 * messages pay nothing. A plain substring test — a false positive (the word in literal text) costs a lookup.
 */
export function mentionsRecommendations(parts: Record<string, string>): boolean {
  return Object.values(parts).some((source) => source.includes('recommendations'));
}

/** The strategies a template may name by variable: `recommendations_user` and so on. */
const SUFFIXED = ['item', 'user', 'content', 'blend', 'popular'] as const;

/**
 * The recommendation variables the parts mention, each with the strategy it is looked up by:
 * `recommendations` is item-based (as it always was), `recommendations_<strategy>` the strategy named.
 * A variable rather than a setting of the template or step, so that every template — stored, a journey's,
 * a flow's — chooses its strategy where it uses the list, and the send path needs nothing more than the
 * template. Like `mentionsRecommendations`, a word in literal text counts (and costs a lookup).
 */
export function mentionedRecommendations(parts: Record<string, string>): Map<string, (typeof SUFFIXED)[number]> {
  const found = new Map<string, (typeof SUFFIXED)[number]>();
  for (const source of Object.values(parts))
    for (const m of source.matchAll(/\brecommendations(?:_([a-z]+))?\b/g)) {
      const suffix = SUFFIXED.find((s) => s === m[1]);
      if (m[1] === undefined) found.set('recommendations', 'item');
      else if (suffix) found.set(m[0], suffix);
    }
  return found;
}

/** The skus of the cart in a touch's variables (cart recovery), which are not worth recommending in it. */
export function cartSkus(vars: Record<string, unknown>): string[] {
  const items = (vars.cart as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items)) return [];
  return items.flatMap((i) =>
    i && typeof i === 'object' && typeof (i as { sku?: unknown }).sku === 'string' ? [(i as { sku: string }).sku] : [],
  );
}
