// The shape every strategy answers with before names are added: what the merge and the API share.

/** Where a recommended item came from: a strategy, or the best sellers (cold start). */
export type ItemSource = 'item' | 'user' | 'content' | 'popular';

export interface ScoredItem {
  sku: string;
  score: number;
  /** The customer's own items that led here, at most 5 (empty where the reason is not their items). */
  because: string[];
}
