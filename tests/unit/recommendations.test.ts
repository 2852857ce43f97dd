import { describe, expect, it } from 'vitest';
import { defaultJourneyConfigs, type EmailStep } from '../../src/domain/journey-config.js';
import { cartSkus, mentionsRecommendations } from '../../src/recommendations/template-vars.js';
import { renderTemplate } from '../../src/templates/render.js';

const step = (journey: string, key: string) => defaultJourneyConfigs[journey]!.find((s) => s.key === key) as EmailStep;

describe('recommendations in messages', () => {
  it('looks items up only for templates that mention them', () => {
    expect(mentionsRecommendations({ subject: 'Hi', html: '{% for item in recommendations %}{{ item.name }}{% endfor %}' })).toBe(true);
    expect(mentionsRecommendations({ subject: 'Hi', text: 'Hello {{ customer.name }}' })).toBe(false);
    expect(mentionsRecommendations(step('welcome', 'welcome').template)).toBe(false);
    expect(mentionsRecommendations(step('cart_recovery', 'reminder').template)).toBe(true);
    expect(mentionsRecommendations(step('churn_win_back', 'miss_you').template)).toBe(true);
  });

  it('reads the cart’s skus from a touch’s variables', () => {
    expect(cartSkus({ cart: { id: 'c1', items: [{ sku: 'MUG' }, { sku: 'POT', name: 'Pot' }, { name: 'no sku' }, null] } })).toEqual([
      'MUG',
      'POT',
    ]);
    expect(cartSkus({})).toEqual([]);
    expect(cartSkus({ cart: { items: 'nope' } })).toEqual([]);
  });

  it.each([
    ['cart_recovery', 'reminder'],
    ['churn_win_back', 'miss_you'],
  ])('the default %s %s email lists recommended items, and says nothing of them when there are none', (journey, key) => {
    const { html, text } = step(journey, key).template;
    const base = { brand: 'Shop', customer: { name: 'Ada' }, cart: { items: [], currency: 'EUR' } };
    const items = [
      { sku: 'TEA', name: 'Green tea', category: 'tea', score: 0.8 },
      { sku: 'CUP', name: null, category: null, score: 0.4 },
    ];
    expect(renderTemplate(html, { ...base, recommendations: items }, 'html')).toContain(
      '<p>You may also like:</p><ul><li>Green tea</li><li>CUP</li></ul>',
    );
    expect(renderTemplate(text, { ...base, recommendations: items }, 'text')).toContain('\n\nYou may also like:\n- Green tea\n- CUP');
    for (const recommendations of [[], undefined]) {
      expect(renderTemplate(html, { ...base, recommendations }, 'html')).not.toContain('like');
      expect(renderTemplate(text, { ...base, recommendations }, 'text')).not.toContain('like');
    }
  });
});
