// {{ recommendations }} and its strategy variants for a message: looked up the same way by the send path
// (src/delivery/message.activities.ts) and a template's preview (src/templates/service.ts), so a preview
// shows what the message will.
import type { Db } from '../db/client.js';
import { recommend } from './strategies.js';
import { EMAIL_RECOMMENDATIONS, mentionedRecommendations } from './template-vars.js';

export interface MessageItem {
  sku: string;
  name: string | null;
  category: string | null;
  score: number;
  source: string;
}

/**
 * One list per recommendation variable the parts mention (EMAIL_RECOMMENDATIONS items, without what the
 * customer bought nor `exclude`, e.g. the cart's items); no lookup at all when they mention none.
 */
export async function recommendationVars(
  db: Db,
  customerId: string,
  parts: Record<string, string>,
  exclude: string[],
): Promise<Record<string, MessageItem[]>> {
  const vars: Record<string, MessageItem[]> = {};
  for (const [variable, strategy] of mentionedRecommendations(parts)) {
    const found = await recommend(db, customerId, { strategy, limit: EMAIL_RECOMMENDATIONS, exclude });
    vars[variable] = found.items.map(({ sku, name, category, score, source }) => ({ sku, name, category, score, source }));
  }
  return vars;
}
