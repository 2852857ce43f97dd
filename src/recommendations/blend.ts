// The blend of strategies: reciprocal-rank fusion (pure, no I/O). Ranks, not scores, are merged because
// the strategies' scores are on different scales (sums of cosines, category shares).
import type { ItemSource, ScoredItem } from './scored-item.js';

/** RRF's constant: how slowly an item's weight falls with its rank (60, as in Cormack et al. 2009). */
export const RRF_K = 60;

export interface RankedList {
  source: ItemSource;
  /** How much a rank in this list counts (1: as much as any other). */
  weight: number;
  /** Best first. */
  items: ScoredItem[];
}

export interface FusedItem extends ScoredItem {
  /** The list whose rank gave the item most of its score (ties: the earlier list). */
  source: ItemSource;
}

/**
 * Each item scores Σ weight / (RRF_K + rank) over the lists it is in (rank 1 first), rounded to 6 places;
 * the best `limit` come back, ties by sku. Its `because` is that of its source.
 */
export function fuseRanks(lists: RankedList[], limit: number): FusedItem[] {
  const fused = new Map<string, { score: number; best: number; source: ItemSource; because: string[] }>();
  for (const list of lists) {
    list.items.forEach((item, i) => {
      const part = list.weight / (RRF_K + i + 1);
      const seen = fused.get(item.sku);
      if (!seen) fused.set(item.sku, { score: part, best: part, source: list.source, because: item.because });
      else {
        seen.score += part;
        if (part > seen.best) Object.assign(seen, { best: part, source: list.source, because: item.because });
      }
    });
  }
  return [...fused.entries()]
    .map(([sku, f]) => ({ sku, score: Math.round(f.score * 1e6) / 1e6, because: f.because, source: f.source }))
    .sort((a, b) => b.score - a.score || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .slice(0, limit);
}
