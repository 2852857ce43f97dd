// Dynamic segment rules: a JSON tree of all/any/not over conditions on a customer's columns and attributes,
// tags, recent events, RFM scores and RFM group — validated with messages that name the JSON path,
// and compiled to ONE parameterised SQL condition over `customers c`, whose subqueries follow c by workspace
// and customer (the statement states c's workspace). Values only ever travel as bound parameters;
// identifiers come only from the allow-list below. No I/O here.
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { RFM_GROUPS, type RfmGroup } from '../intelligence/rfm.js';
import { tagSchema } from '../domain/tags.js';

export const MAX_RULE_DEPTH = 8;
export const MAX_RULE_CONDITIONS = 100;
const MAX_LIST = 1000;

export const COMPARE_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export const ATTRIBUTE_OPS = [...COMPARE_OPS, 'in', 'not_in', 'contains', 'exists', 'not_exists'] as const;

export type CompareOp = (typeof COMPARE_OPS)[number];
export type AttributeOp = (typeof ATTRIBUTE_OPS)[number];
type Scalar = string | number | boolean;

export type Condition =
  | { attribute: string; op: AttributeOp; value?: Scalar | Scalar[] }
  | { has_tag: string }
  | { event: string; count: { op: CompareOp; value: number }; within_days: number }
  | { rfm: 'r' | 'f' | 'm'; op: CompareOp; value: number }
  /** The customer's RFM group (customer_insights.segment). */
  | { segment: RfmGroup };
export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition;

/** The customer columns a rule may name, with their SQL and kind. The only identifiers a rule reaches. */
const COLUMNS = {
  email: 'text',
  name: 'text',
  phone: 'text',
  timezone: 'text',
  tier: 'text',
  points: 'number',
  order_count: 'number',
  total_spend: 'number',
  visit_count: 'number',
  created_at: 'timestamp',
  last_activity_at: 'timestamp',
  birthday: 'date',
} as const satisfies Record<string, 'text' | 'number' | 'timestamp' | 'date'>;
export const RULE_COLUMNS = Object.keys(COLUMNS) as Array<keyof typeof COLUMNS>;
type ColumnKind = (typeof COLUMNS)[keyof typeof COLUMNS];
const isColumn = (name: string): name is keyof typeof COLUMNS => Object.hasOwn(COLUMNS, name);
const ATTRIBUTES_PREFIX = 'attributes.';

// ---------------------------------------------------------------------------------------------------------
// Validation

const text = z.string().min(1).max(1000);
const scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);
const isoDate = /^\d{4}-\d{2}-\d{2}$/;

const attributeConditionSchema = z
  .strictObject({
    attribute: z
      .string()
      .max(200)
      .refine((a) => isColumn(a) || (a.startsWith(ATTRIBUTES_PREFIX) && a.length > ATTRIBUTES_PREFIX.length), {
        message: `must be one of ${RULE_COLUMNS.join(', ')} or "attributes.<key>"`,
      }),
    op: z.enum(ATTRIBUTE_OPS),
    value: z.union([scalar, z.array(scalar).min(1).max(MAX_LIST)]).optional(),
  })
  .superRefine((c, ctx) => {
    const problem = valueProblem(c.attribute, c.op, c.value);
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.at], message: problem.message });
  });

/** What is wrong with this op and value for this attribute (its column's kind), or null. */
function valueProblem(attribute: string, op: AttributeOp, value: unknown): { at: 'op' | 'value'; message: string } | null {
  const kind: ColumnKind | 'json' = isColumn(attribute) ? COLUMNS[attribute] : 'json';
  const bad = (message: string) => ({ at: 'value' as const, message });
  if (op === 'exists' || op === 'not_exists') return value === undefined ? null : bad(`"${op}" takes no value`);
  if (value === undefined) return bad(`"${op}" needs a value`);
  const list = op === 'in' || op === 'not_in';
  if (list !== Array.isArray(value)) return bad(list ? `"${op}" needs an array of values` : `"${op}" needs a single value, not an array`);
  const values = (Array.isArray(value) ? value : [value]) as Scalar[];
  switch (kind) {
    case 'text':
      return values.every((v) => typeof v === 'string') ? null : bad(`${attribute} is text: compare it with strings`);
    case 'number':
      if (op === 'contains')
        return { at: 'op', message: `${attribute} is a number: use eq, ne, gt, gte, lt, lte, in, not_in, exists or not_exists` };
      return values.every((v) => typeof v === 'number') ? null : bad(`${attribute} is a number: compare it with numbers`);
    case 'timestamp':
    case 'date': {
      if (list || op === 'contains')
        return { at: 'op', message: `${attribute} is a date: use eq, ne, gt, gte, lt, lte, exists or not_exists` };
      const v = values[0];
      const ok =
        typeof v === 'string' &&
        (kind === 'date' ? isoDate.test(v) : isoDate.test(v) || z.iso.datetime({ offset: true }).safeParse(v).success);
      return ok && !Number.isNaN(Date.parse(v))
        ? null
        : bad(`${attribute} is a date: give an ISO ${kind === 'date' ? 'date (YYYY-MM-DD)' : 'date or date-time'}`);
    }
    case 'json':
      if (list && !(values.every((v) => typeof v === 'string') || values.every((v) => typeof v === 'number'))) {
        return bad('a list is all strings or all numbers');
      }
      if (typeof values[0] === 'boolean' && !['eq', 'ne', 'contains'].includes(op)) return bad(`"${op}" does not compare booleans`);
      return null;
  }
}

const count = z.strictObject({ op: z.enum(COMPARE_OPS), value: z.number().int().min(0).max(1_000_000) });

const conditionSchemas: Record<string, z.ZodType<Condition>> = {
  attribute: attributeConditionSchema,
  has_tag: z.strictObject({ has_tag: tagSchema }),
  event: z.strictObject({ event: text.max(200), count, within_days: z.number().int().min(1).max(3650) }),
  rfm: z.strictObject({ rfm: z.enum(['r', 'f', 'm']), op: z.enum(COMPARE_OPS), value: z.number().finite() }),
  segment: z.strictObject({ segment: z.enum(RFM_GROUPS) }),
};
const KINDS = ['all', 'any', 'not', ...Object.keys(conditionSchemas)];

export interface RuleIssue {
  path: Array<string | number>;
  message: string;
}

/**
 * Checks a rule tree without recursing past the depth limit (a deeply nested body never reaches zod):
 * the rule, or every problem with its path below the rule.
 */
export function checkRule(value: unknown): { rule: Rule; issues: [] } | { rule: null; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  let conditions = 0;
  const walk = (v: unknown, path: Array<string | number>, depth: number): Rule | null => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      issues.push({ path, message: 'a rule is an object: { all }, { any }, { not } or a condition' });
      return null;
    }
    const kind = KINDS.find((k) => Object.hasOwn(v, k));
    if (!kind) {
      issues.push({ path, message: `a rule has one of the keys ${KINDS.join(', ')}` });
      return null;
    }
    const obj = v as Record<string, unknown>;
    if (kind === 'all' || kind === 'any' || kind === 'not') {
      const extra = Object.keys(obj).find((k) => k !== kind);
      if (extra) {
        issues.push({ path: [...path, extra], message: `unexpected key beside "${kind}"` });
        return null;
      }
      if (depth >= MAX_RULE_DEPTH) {
        issues.push({ path: [...path, kind], message: `rules nest at most ${MAX_RULE_DEPTH} levels of all/any/not` });
        return null;
      }
      if (kind === 'not') {
        const inner = walk(obj.not, [...path, 'not'], depth + 1);
        return inner && { not: inner };
      }
      const list = obj[kind];
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_RULE_CONDITIONS) {
        issues.push({ path: [...path, kind], message: `"${kind}" is an array of 1 to ${MAX_RULE_CONDITIONS} rules` });
        return null;
      }
      const rules: Rule[] = [];
      for (let i = 0; i < list.length && issues.length === 0; i++) {
        const r = walk(list[i], [...path, kind, i], depth + 1);
        if (r) rules.push(r);
      }
      return issues.length ? null : kind === 'all' ? { all: rules } : { any: rules };
    }
    if (++conditions > MAX_RULE_CONDITIONS) {
      issues.push({ path, message: `a rule holds at most ${MAX_RULE_CONDITIONS} conditions` });
      return null;
    }
    const parsed = conditionSchemas[kind]!.safeParse(v);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      // zod names an unknown key in `keys`, not in the path.
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys : [];
      issues.push({ path: [...path, ...(issue.path as Array<string | number>), ...keys.slice(0, 1)], message: issue.message });
    }
    return null;
  };
  const rule = walk(value, [], 0);
  return rule && issues.length === 0 ? { rule, issues: [] } : { rule: null, issues };
}

/** The rule as a zod schema (for request bodies): issues carry the path below the field, e.g. `all[1].any[0].op`. */
export const segmentRuleSchema = z.unknown().transform((value, ctx): Rule => {
  const checked = checkRule(value);
  if (checked.rule) return checked.rule;
  for (const issue of checked.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

// ---------------------------------------------------------------------------------------------------------
// Compilation

/**
 * The customers a rule selects: not erased, and the rule. An SQL condition over `customers c`; the statement
 * it goes into states c's workspace (`c.workspace_id = …`), which every subquery here follows.
 */
export function compileSegmentRule(rule: Rule): SQL {
  return sql`(c.erased_at is null and ${compile(rule)})`;
}

function compile(rule: Rule): SQL {
  if ('all' in rule) return sql`(${sql.join(rule.all.map(compile), sql` and `)})`;
  if ('any' in rule) return sql`(${sql.join(rule.any.map(compile), sql` or `)})`;
  if ('not' in rule) return sql`(not ${compile(rule.not)})`;
  return condition(rule);
}

const CMP: Record<CompareOp, string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/**
 * Every condition is true or false, never NULL: a missing value matches no comparison, and `ne`, `not_in`
 * and `not_exists` are exactly the negation of `eq`, `in` and `exists` (so they match it), as `not` is.
 */
function condition(c: Condition): SQL {
  if ('has_tag' in c) {
    return sql`(${c.has_tag}::text = any(c.tags) or exists (select 1 from customer_insights ci where ci.workspace_id = c.workspace_id and ci.customer_id = c.id and ${c.has_tag}::text = any(ci.tags)))`;
  }
  if ('segment' in c) {
    return sql`exists (select 1 from customer_insights ci where ci.workspace_id = c.workspace_id and ci.customer_id = c.id and ci.segment = ${c.segment}::text)`;
  }
  if ('rfm' in c) {
    const score = sql.raw(`ci.${c.rfm}_score`);
    if (c.op === 'ne') return sql`(not ${condition({ ...c, op: 'eq' })})`;
    return sql`exists (select 1 from customer_insights ci where ci.workspace_id = c.workspace_id and ci.customer_id = c.id and ${score} ${sql.raw(CMP[c.op])} ${c.value}::numeric)`;
  }
  if ('event' in c) return eventCondition(c);
  return attributeTest(c);
}

function eventCondition(c: Extract<Condition, { event: string }>): SQL {
  const matching = sql`from events e where e.workspace_id = c.workspace_id and e.customer_id = c.id and e.type = ${c.event}::text and e.occurred_at >= now() - make_interval(days => ${c.within_days}::int)`;
  const { op, value } = c.count;
  // "At least one" and "none" need no count: the first event found answers.
  if ((op === 'gt' && value === 0) || (op === 'gte' && value === 1)) return sql`exists (select 1 ${matching})`;
  if ((op === 'eq' && value === 0) || (op === 'lt' && value === 1) || (op === 'lte' && value === 0))
    return sql`(not exists (select 1 ${matching}))`;
  return sql`((select count(*) ${matching}) ${sql.raw(CMP[op])} ${value}::int)`;
}

function attributeTest(c: Extract<Condition, { attribute: string }>): SQL {
  const negated = { ne: 'eq', not_in: 'in', not_exists: 'exists' } as const;
  if (c.op === 'ne' || c.op === 'not_in' || c.op === 'not_exists') {
    return sql`(not ${attributeTest({ ...c, op: negated[c.op] })})`;
  }
  return sql`coalesce(${isColumn(c.attribute) ? columnTest(c.attribute, c.op, c.value) : jsonTest(c.attribute.slice(ATTRIBUTES_PREFIX.length), c.op, c.value)}, false)`;
}

const CAST: Record<ColumnKind, string> = { text: 'text', number: 'numeric', timestamp: 'timestamptz', date: 'date' };

function columnTest(name: keyof typeof COLUMNS, op: AttributeOp, value: unknown): SQL {
  const col = sql.raw(`c.${name}`);
  const cast = sql.raw(CAST[COLUMNS[name]]);
  if (op === 'exists') return sql`(${col} is not null)`;
  if (op === 'in')
    return sql`(${col} in (${sql.join(
      (value as Scalar[]).map((v) => sql`${v}::${cast}`),
      sql`, `,
    )}))`;
  if (op === 'contains') return sql`(strpos(lower(${col}), lower(${value as string}::text)) > 0)`;
  return sql`(${col} ${sql.raw(CMP[op as CompareOp])} ${value as Scalar}::${cast})`;
}

/** `attributes.<key>`: the key is a parameter too. A number compares numerically, with numbers and numeric strings. */
function jsonTest(key: string, op: AttributeOp, value: unknown): SQL {
  const field = sql`(c.attributes -> ${key}::text)`;
  const textOf = sql`(c.attributes ->> ${key}::text)`;
  const numberOf = sql`(case when jsonb_typeof(${field}) in ('number', 'string') and ${textOf} ~ '^\\s*-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$' then ${textOf}::numeric end)`;
  if (op === 'exists') return sql`(coalesce(jsonb_typeof(${field}), 'null') <> 'null')`;
  if (op === 'in') {
    const values = value as Scalar[];
    return typeof values[0] === 'number'
      ? sql`(${numberOf} in (${sql.join(
          values.map((v) => sql`${v}::numeric`),
          sql`, `,
        )}))`
      : sql`(jsonb_typeof(${field}) = 'string' and ${textOf} in (${sql.join(
          values.map((v) => sql`${v}::text`),
          sql`, `,
        )}))`;
  }
  if (op === 'contains') {
    // A string holding the text (any case), or an array holding the value as an element.
    const element = sql`(jsonb_typeof(${field}) = 'array' and ${field} @> ${JSON.stringify([value])}::jsonb)`;
    if (typeof value !== 'string') return element;
    return sql`((jsonb_typeof(${field}) = 'string' and strpos(lower(${textOf}), lower(${value}::text)) > 0) or ${element})`;
  }
  const cmp = sql.raw(CMP[op as CompareOp]);
  if (typeof value === 'number') return sql`(${numberOf} ${cmp} ${value}::numeric)`;
  if (typeof value === 'boolean') return sql`(${field} = ${JSON.stringify(value)}::jsonb)`;
  return sql`(jsonb_typeof(${field}) in ('string', 'number') and ${textOf} ${cmp} ${value as string}::text)`;
}
