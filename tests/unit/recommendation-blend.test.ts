import { describe, expect, it } from 'vitest';
import { fuseRanks, RRF_K } from '../../src/recommendations/blend.js';
import { mentionedRecommendations } from '../../src/recommendations/template-vars.js';

const list = (...skus: string[]) => skus.map((sku) => ({ sku, score: 0, because: [sku.toLowerCase()] }));

describe('reciprocal-rank fusion', () => {
  it('sums weight / (K + rank) over the lists and credits the list that ranked an item best', () => {
    const fused = fuseRanks(
      [
        { source: 'item', weight: 1, items: list('A', 'B', 'C') },
        { source: 'user', weight: 1, items: list('B', 'D') },
      ],
      10,
    );
    const r = (...ranks: number[]) => Math.round(ranks.reduce((s, k) => s + 1 / (RRF_K + k), 0) * 1e6) / 1e6;
    // D (rank 2 of one list) comes before C (rank 3 of one list).
    expect(fused).toEqual([
      { sku: 'B', score: r(2, 1), because: ['b'], source: 'user' },
      { sku: 'A', score: r(1), because: ['a'], source: 'item' },
      { sku: 'D', score: r(2), because: ['d'], source: 'user' },
      { sku: 'C', score: r(3), because: ['c'], source: 'item' },
    ]);
  });

  it('weighs lists, keeps the earlier list on a tie, orders equal scores by sku and cuts at the limit', () => {
    const lists = [
      { source: 'item' as const, weight: 1, items: list('X') },
      { source: 'content' as const, weight: 1, items: list('X') },
    ];
    expect(fuseRanks(lists, 5)).toEqual([{ sku: 'X', score: Math.round((2 / (RRF_K + 1)) * 1e6) / 1e6, because: ['x'], source: 'item' }]);
    const weighted = fuseRanks(
      [
        { source: 'item', weight: 1, items: list('P', 'Q') },
        { source: 'content', weight: 3, items: list('Q', 'P') },
      ],
      1,
    );
    expect(weighted).toEqual([expect.objectContaining({ sku: 'Q', source: 'content' })]);
    expect(fuseRanks([{ source: 'user', weight: 1, items: [] }], 3)).toEqual([]);
    expect(
      fuseRanks(
        [
          { source: 'user', weight: 1, items: list('N', 'M') },
          { source: 'item', weight: 1, items: list('M', 'N') },
        ],
        2,
      ).map((f) => f.sku),
    ).toEqual(['M', 'N']);
  });
});

describe('recommendation variables in templates', () => {
  it('maps each variable mentioned to its strategy', () => {
    const parts = {
      subject: 'Hi',
      html: '{% for i in recommendations_user %}{{ i.sku }}{% endfor %}{{ recommendations_blend | size }}',
      text: '{% for i in recommendations %}{{ i.name }}{% endfor %}',
    };
    expect([...mentionedRecommendations(parts)]).toEqual([
      ['recommendations_user', 'user'],
      ['recommendations_blend', 'blend'],
      ['recommendations', 'item'],
    ]);
    // An unknown suffix is some other variable, not a strategy; plain text without the word asks for nothing.
    expect([...mentionedRecommendations({ text: '{{ recommendations_weird }} {{ myrecommendations }}' })]).toEqual([]);
    expect(mentionedRecommendations({ text: 'Hello {{ customer.name }}' }).size).toBe(0);
    expect([...mentionedRecommendations({ text: '{{ recommendations_content[0].sku }} {{ recommendations_popular }}' })]).toEqual([
      ['recommendations_content', 'content'],
      ['recommendations_popular', 'popular'],
    ]);
  });
});
