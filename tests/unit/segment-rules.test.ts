import { PgDialect } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { validationError } from '../../src/domain/errors.js';
import { checkRule, compileSegmentRule, MAX_RULE_CONDITIONS, type Rule, segmentRuleSchema } from '../../src/segments/rules.js';

const dialect = new PgDialect();
const compiled = (rule: Rule) => {
  const { sql, params } = dialect.sqlToQuery(compileSegmentRule(rule));
  return { sql, params };
};
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The field a 422 would name, through the API's own error mapping. */
function fieldOf(rules: unknown): string | undefined {
  const parsed = z.object({ rules: segmentRuleSchema }).safeParse({ rules });
  if (parsed.success) return undefined;
  return validationError(parsed.error).field;
}

describe('segment rule validation', () => {
  it('accepts every condition kind and nesting', () => {
    const rule = {
      all: [
        { attribute: 'total_spend', op: 'gte', value: 100 },
        { any: [{ has_tag: 'vip' }, { not: { segment: 'churn_risk' } }] },
        { event: 'login', count: { op: 'gte', value: 3 }, within_days: 30 },
        { rfm: 'r', op: 'eq', value: 3 },
        { attribute: 'attributes.plan', op: 'in', value: ['pro', 'team'] },
        { attribute: 'email', op: 'exists' },
        { attribute: 'created_at', op: 'gte', value: '2026-01-01' },
        { attribute: 'last_activity_at', op: 'lt', value: '2026-01-01T00:00:00Z' },
        { attribute: 'birthday', op: 'eq', value: '1990-06-01' },
      ],
    };
    expect(checkRule(rule)).toEqual({ rule, issues: [] });
  });

  it('names the JSON path of the first problem', () => {
    expect(fieldOf({ all: [{ has_tag: 'a' }, { any: [{ attribute: 'email', op: 'like', value: 'x' }] }] })).toBe('rules.all[1].any[0].op');
    expect(fieldOf({ all: [{ attribute: 'password', op: 'eq', value: 'x' }] })).toBe('rules.all[0].attribute');
    expect(fieldOf({ not: { attribute: 'points', op: 'gt', value: 'ten' } })).toBe('rules.not.value');
    expect(fieldOf({ attribute: 'points', op: 'contains', value: 1 })).toBe('rules.op');
    expect(fieldOf({ attribute: 'email', op: 'in', value: 'a@x' })).toBe('rules.value');
    expect(fieldOf({ attribute: 'email', op: 'exists', value: 'a' })).toBe('rules.value');
    expect(fieldOf({ attribute: 'email', op: 'eq' })).toBe('rules.value');
    expect(fieldOf({ attribute: 'created_at', op: 'gt', value: 'yesterday' })).toBe('rules.value');
    expect(fieldOf({ attribute: 'birthday', op: 'gt', value: '2026-01-01T00:00:00Z' })).toBe('rules.value');
    expect(fieldOf({ event: 'login', count: { op: 'gte', value: -1 }, within_days: 7 })).toBe('rules.count.value');
    expect(fieldOf({ event: 'login', count: { op: 'gte', value: 1 } })).toBe('rules.within_days');
    expect(fieldOf({ rfm: 'x', op: 'gt', value: 1 })).toBe('rules.rfm');
    expect(fieldOf({ segment: 'gold' })).toBe('rules.segment');
    expect(fieldOf({ any: [] })).toBe('rules.any');
    expect(fieldOf({ all: [{ has_tag: 'a', extra: 1 }] })).toBe('rules.all[0].extra');
    expect(fieldOf({ all: [{ has_tag: 'a' }], any: [] })).toBe('rules.any');
    expect(fieldOf({ all: [{ whatever: 1 }] })).toBe('rules.all[0]');
    expect(fieldOf('vip')).toBe('rules');
    expect(fieldOf({ attribute: 'attributes.flag', op: 'gt', value: true })).toBe('rules.value');
  });

  it('limits nesting to 8 levels and a rule to 100 conditions, without recursing into a deep body', () => {
    let deep: unknown = { has_tag: 'x' };
    for (let i = 0; i < 8; i++) deep = { not: deep };
    expect(checkRule(deep).issues).toEqual([]);
    // The ninth `not` is the one too many.
    expect(fieldOf({ not: deep })).toBe(`rules${'.not'.repeat(9)}`);
    let huge: unknown = { has_tag: 'x' };
    for (let i = 0; i < 100_000; i++) huge = { not: huge };
    expect(checkRule(huge).issues).toHaveLength(1);
    const many = { any: Array.from({ length: MAX_RULE_CONDITIONS / 2 + 1 }, () => ({ all: [{ has_tag: 'a' }, { has_tag: 'b' }] })) };
    expect(checkRule(many).issues[0]?.message).toMatch(/at most 100 conditions/);
  });
});

describe('segment rule compilation', () => {
  it('excludes erased customers and nests all/any/not', () => {
    const { sql, params } = compiled({
      all: [{ has_tag: 'a' }, { any: [{ segment: 'vip' }, { not: { rfm: 'f', op: 'gte', value: 2 } }] }],
    });
    expect(squash(sql)).toBe(
      squash(`(c.erased_at is null and (($1::text = any(c.tags) or exists (select 1 from customer_insights ci where ci.workspace_id = c.workspace_id and ci.customer_id = c.id and $2::text = any(ci.tags)))
        and (exists (select 1 from customer_insights ci where ci.workspace_id = c.workspace_id and ci.customer_id = c.id and ci.segment = $3::text)
        or (not exists (select 1 from customer_insights ci where ci.workspace_id = c.workspace_id and ci.customer_id = c.id and ci.f_score >= $4::numeric)))))`),
    );
    expect(params).toEqual(['a', 'a', 'vip', 2]);
  });

  it('compares columns by their kind, with every value bound', () => {
    expect(compiled({ attribute: 'total_spend', op: 'gt', value: 10 })).toEqual({
      sql: '(c.erased_at is null and coalesce((c.total_spend > $1::numeric), false))',
      params: [10],
    });
    expect(compiled({ attribute: 'tier', op: 'in', value: ['vip', 'loyal'] })).toEqual({
      sql: '(c.erased_at is null and coalesce((c.tier in ($1::text, $2::text)), false))',
      params: ['vip', 'loyal'],
    });
    expect(compiled({ attribute: 'email', op: 'ne', value: 'a@x' }).sql).toBe(
      '(c.erased_at is null and (not coalesce((c.email = $1::text), false)))',
    );
    expect(compiled({ attribute: 'email', op: 'contains', value: '@EXAMPLE' })).toEqual({
      sql: '(c.erased_at is null and coalesce((strpos(lower(c.email), lower($1::text)) > 0), false))',
      params: ['@EXAMPLE'],
    });
    expect(compiled({ attribute: 'phone', op: 'not_exists' })).toEqual({
      sql: '(c.erased_at is null and (not coalesce((c.phone is not null), false)))',
      params: [],
    });
    expect(compiled({ attribute: 'created_at', op: 'lt', value: '2026-01-01' }).sql).toContain('c.created_at < $1::timestamptz');
    expect(compiled({ attribute: 'birthday', op: 'eq', value: '1990-01-01' }).sql).toContain('c.birthday = $1::date');
  });

  it('binds the attribute key and value of attributes.<key>, numerically for a number', () => {
    const num = compiled({ attribute: "attributes.a'b", op: 'gte', value: 1 });
    expect(num.params).toEqual(["a'b", "a'b", "a'b", 1]);
    expect(num.sql).not.toContain("a'b");
    expect(num.sql).toContain('::numeric end) >= $4::numeric');
    const str = compiled({ attribute: 'attributes.plan', op: 'eq', value: "x'); drop table customers; --" });
    expect(str.params).toEqual(['plan', 'plan', "x'); drop table customers; --"]);
    expect(str.sql).not.toContain('drop');
    expect(compiled({ attribute: 'attributes.beta', op: 'eq', value: true })).toEqual({
      sql: '(c.erased_at is null and coalesce(((c.attributes -> $1::text) = $2::jsonb), false))',
      params: ['beta', 'true'],
    });
    expect(compiled({ attribute: 'attributes.langs', op: 'contains', value: 'de' }).params).toEqual([
      'langs',
      'langs',
      'de',
      'langs',
      'langs',
      '["de"]',
    ]);
  });

  it('counts events in a window, with exists for "at least one" and "none"', () => {
    const three = compiled({ event: 'login', count: { op: 'gte', value: 3 }, within_days: 30 });
    expect(squash(three.sql)).toBe(
      '(c.erased_at is null and ((select count(*) from events e where e.workspace_id = c.workspace_id and e.customer_id = c.id and e.type = $1::text and e.occurred_at >= now() - make_interval(days => $2::int)) >= $3::int))',
    );
    expect(three.params).toEqual(['login', 30, 3]);
    expect(compiled({ event: 'login', count: { op: 'gt', value: 0 }, within_days: 7 }).sql).toMatch(
      /^\(c\.erased_at is null and exists \(select 1 from events/,
    );
    expect(compiled({ event: 'login', count: { op: 'eq', value: 0 }, within_days: 7 }).sql).toMatch(
      /^\(c\.erased_at is null and \(not exists \(select 1 from events/,
    );
  });

  it('takes identifiers only from the allow-list', () => {
    expect(checkRule({ attribute: 'email; drop table customers', op: 'exists' }).issues[0]?.path).toEqual(['attribute']);
    expect(checkRule({ rfm: 'r_score; --', op: 'eq', value: 1 }).issues[0]?.path).toEqual(['rfm']);
  });
});
