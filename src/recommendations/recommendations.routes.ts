import { createRoute, z } from '@hono/zod-openapi';
import { customerIdParam, errorResponses, json } from '../api/route-helpers.js';

const itemSchema = z
  .object({
    sku: z.string(),
    name: z.string().nullable().openapi({ description: 'from the latest order line naming the sku' }),
    category: z.string().nullable(),
    score: z
      .number()
      .openapi({ description: 'sum of cosine similarities to the customer’s items; popular: share of the most bought item’s buyers' }),
    because: z.array(z.string()).openapi({ description: 'the customer’s items that led here (at most 5), most similar first' }),
  })
  .openapi('RecommendedItem');

export const getRecommendations = createRoute({
  method: 'get',
  path: '/api/customers/{id}/recommendations',
  tags: ['recommendations'],
  summary: 'Items for a customer: similar to what they bought (item-based collaborative filtering)',
  description:
    'Scored by the sum of each item’s similarities to the customer’s items, without what they bought. A customer who bought ' +
    'nothing gets the items the most customers bought (`basis: popular`). Read from item_similarity, as of its last refresh.',
  request: {
    params: customerIdParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10).openapi({ description: '1–50, default 10' }) }),
  },
  responses: {
    200: json(
      z
        .object({ customer_id: z.string(), basis: z.enum(['similar_items', 'popular']), items: z.array(itemSchema) })
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
