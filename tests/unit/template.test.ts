import { describe, expect, it } from 'vitest';
import { defaultJourneyConfigs, type EmailStep } from '../../src/domain/journey-config.js';
import { journeyStepsSchema } from '../../src/journeys/steps-schema.js';
import { renderTemplate, validateTemplate } from '../../src/templates/render.js';

describe('renderTemplate', () => {
  const vars = { customer: { name: '<b>Ada</b> & "Co"' } };

  it('escapes outputs in html mode', () => {
    expect(renderTemplate('<p>Hi {{ customer.name }}</p>', vars, 'html')).toBe('<p>Hi &lt;b&gt;Ada&lt;/b&gt; &amp; &#34;Co&#34;</p>');
  });

  it('does not escape in text mode', () => {
    expect(renderTemplate('Hi {{ customer.name }}', vars, 'text')).toBe('Hi <b>Ada</b> & "Co"');
  });

  it('applies the default filter when the value is missing, not when it is present', () => {
    expect(renderTemplate('Hi {{ customer.name | default: "friend" }}', { customer: {} }, 'text')).toBe('Hi friend');
    expect(renderTemplate('Hi {{ customer.name | default: "friend" }}', {}, 'html')).toBe('Hi friend');
    expect(renderTemplate('Hi {{ customer.name | default: "friend" }}', { customer: { name: 'Grace' } }, 'text')).toBe('Hi Grace');
  });

  it('runs filters such as upcase', () => {
    expect(renderTemplate('{{ code | upcase }}', { code: 'abc12' }, 'text')).toBe('ABC12');
  });
});

describe('validateTemplate', () => {
  it('returns null for a good template', () => {
    expect(validateTemplate('Hello {{ customer.name | default: "friend" }}{% if coupon %} {{ coupon.code }}{% endif %}')).toBeNull();
  });

  it('names an unknown filter', () => {
    const message = validateTemplate('Hello {{ customer.name | shout }}');
    expect(message).toEqual(expect.any(String));
    expect(message).toContain('shout');
  });

  it('reports a broken tag', () => {
    expect(validateTemplate('{% if customer.name %}Hi')).toEqual(expect.stringMatching(/if/));
    expect(validateTemplate('Hello {{ customer.name ')).toEqual(expect.any(String));
  });
});

describe('journeyStepsSchema', () => {
  const step = (overrides: Partial<EmailStep> = {}): EmailStep => ({
    key: 'welcome',
    offset: '0s',
    channel: 'email',
    template: { subject: 'Hi {{ customer.name }}', html: '<p>Hi</p>', text: 'Hi' },
    ...overrides,
  });

  /** The first issue's path and message, for a schema that must reject. */
  function rejection(steps: unknown) {
    const result = journeyStepsSchema.safeParse(steps);
    expect(result.success).toBe(false);
    return result.error!.issues.map((i) => ({ path: i.path, message: i.message }));
  }

  it('accepts a good configuration', () => {
    expect(
      journeyStepsSchema.safeParse([step(), step({ key: 'later', offset: '7 days' }), step({ key: 'ms', offset: 60_000 })]).success,
    ).toBe(true);
  });

  it('rejects a negative duration', () => {
    const issues = rejection([step({ offset: -1 })]);
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.path).toEqual([0, 'offset']);
    expect(rejection([step(), step({ key: 'b', offset: '-5 minutes' })])).toEqual([
      { path: [1, 'offset'], message: 'must not be negative' },
    ]);
  });

  it('rejects a duration that does not parse', () => {
    expect(rejection([step({ offset: 'next tuesday' })])).toEqual([
      { path: [0, 'offset'], message: expect.stringContaining('"next tuesday" is not a duration') },
    ]);
  });

  it('rejects a duplicate step key, naming the second', () => {
    expect(rejection([step({ key: 'a' }), step({ key: 'b' }), step({ key: 'a' })])).toEqual([
      { path: [2, 'key'], message: 'duplicate step key "a"' },
    ]);
  });

  it('rejects a template that does not parse, naming its path', () => {
    const bad = step({ key: 'b', template: { subject: 'ok', html: '<p>{{ customer.name | nope }}</p>', text: '{% if x %}' } });
    const issues = rejection([step(), bad]);
    expect(issues.map((i) => i.path)).toEqual([
      [1, 'template', 'html'],
      [1, 'template', 'text'],
    ]);
    expect(issues[0]!.message).toContain('nope');
  });

  it('rejects an empty list', () => {
    expect(rejection([])).toHaveLength(1);
  });

  it('accepts the default welcome journey', () => {
    const result = journeyStepsSchema.safeParse(defaultJourneyConfigs.welcome);
    expect(result.error?.issues).toBeUndefined();
    expect(result.data?.map((s) => s.key)).toEqual(['welcome', 'guide', 'coupon']);
  });
});
