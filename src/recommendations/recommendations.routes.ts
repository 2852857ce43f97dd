import { createRoute, z } from '@hono/zod-openapi';
import { customerIdParam, errorResponses, json } from '../api/route-helpers.js';
import { STRATEGIES } from './strategies.js';

const itemSchema = z
  .object({
    sku: z.string(),
    name: z.string().nullable().openapi({ description: 'from the latest order line naming the sku' }),
    category: z.string().nullable(),
    score: z.number().openapi({
      description:
        'item: sum of cosine similarities to the customer’s items; user: sum of the similarities of the neighbours who bought it; ' +
        'content: the share of the customer’s items in its category; blend: its reciprocal-rank fusion score; ' +
        'popular: share of the best seller’s buyers',
    }),
    because: z.array(z.string()).openapi({
      description:
        'the customer’s items that led here (at most 5): most similar first (item), of its category (content); empty for user and popular',
    }),
    source: z.enum(['item', 'user', 'content', 'popular']).openapi({
      description: 'the strategy the item came from (in a blend: the one that ranked it best); popular: the best sellers (cold start)',
    }),
  })
  .openapi('RecommendedItem');

export const getRecommendations = createRoute({
  method: 'get',
  path: '/api/customers/{id}/recommendations',
  tags: ['recommendations'],
  summary: 'Items for a customer, by strategy: similar items, similar customers, same categories, or a blend',
  description:
    'Never what the customer bought. `item` (default): scored by the sum of each item’s similarities to the customer’s items, read ' +
    'from item_similarity as of its last refresh; a customer who bought nothing gets the items the most customers bought. `user`: ' +
    'items bought by the 20 customers whose item sets are most like theirs (cosine). `content`: items of the categories they bought ' +
    'or viewed. `blend`: the three merged by reciprocal-rank fusion. `popular`: the best sellers of the last 30 days, which is also ' +
    'what user, content and blend answer for a customer with no history (`basis: popular`, each item `source: popular`).',
  request: {
    params: customerIdParam,
    query: z.object({
      limit: z.coerce.number().int().min(1).max(50).default(10).openapi({ description: '1–50, default 10' }),
      strategy: z.enum(STRATEGIES).default('item').openapi({ description: 'item (default), user, content, blend or popular' }),
    }),
  },
  responses: {
    200: json(
      z
        .object({
          customer_id: z.string(),
          strategy: z.enum(STRATEGIES),
          basis: z.enum(['similar_items', 'similar_customers', 'same_category', 'blend', 'popular']),
          items: z.array(itemSchema),
        })
        .openapi('Recommendations'),
      'Recommendations',
    ),
    ...errorResponses(400, 404, 410),
  },
});

export const refreshRecommendations = createRoute({
  method: 'post',
  path: '/api/recommendations/refresh',
  tags: ['recommendations'],
  summary: 'Recompute item similarities from every order now (a Temporal Schedule does it every 6 hours)',
  description: 'Runs the refresh workflow and answers when it is done.',
  responses: {
    200: json(
      z
        .object({
          workflowId: z.string(),
          items: z.number().int().openapi({ description: 'distinct items bought' }),
          pairs: z.number().int().openapi({ description: 'similar-item pairs kept (both directions)' }),
          ms: z.number().int(),
        })
        .openapi('RecommendationsRefresh'),
      'Refreshed',
    ),
  },
});
