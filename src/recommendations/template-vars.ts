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

/** The skus of the cart in a touch's variables (cart recovery), which are not worth recommending in it. */
export function cartSkus(vars: Record<string, unknown>): string[] {
  const items = (vars.cart as { items?: unknown } | undefined)?.items;
  if (!Array.isArray(items)) return [];
  return items.flatMap((i) =>
    i && typeof i === 'object' && typeof (i as { sku?: unknown }).sku === 'string' ? [(i as { sku: string }).sku] : [],
  );
}
