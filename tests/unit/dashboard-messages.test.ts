// Every word the dashboard's pages show through t('…') has its Chinese: a page never mixes in English
// labels for zh-CN. Value keys (`status.${…}`) are checked for the values the API answers.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAMPAIGN_STATUSES } from '../../src/campaigns/campaign.js';
import { STAGES } from '../../src/analytics/funnel.js';
import { CAMPAIGN_TYPES } from '../../src/templates/parts.js';
import { BEHAVIOUR_TAGS, TAG_KINDS, VALUE_TAGS } from '../../src/intelligence/customer-tags.js';
// @ts-expect-error: a browser module of plain JavaScript, without types
import { en, zh } from '../../src/dashboard/static/messages.js';

const STATIC = new URL('../../src/dashboard/static/', import.meta.url);
const sources = [
  ...readdirSync(STATIC).filter((f) => f.endsWith('.js')),
  ...readdirSync(new URL('pages/', STATIC)).map((f) => `pages/${f}`),
].map((f) => readFileSync(new URL(f, STATIC), 'utf8'));

const zhTable = zh as Record<string, string>;
const enTable = en as Record<string, string>;

describe('dashboard messages', () => {
  it('has the Chinese of every literal key the pages use', () => {
    const keys = new Set(sources.flatMap((s) => [...s.matchAll(/\bt\(\s*'([^']+)'/g)].map((m) => m[1]!)));
    expect(keys.size).toBeGreaterThan(100);
    expect([...keys].filter((k) => !(k in zhTable))).toEqual([]);
  });

  it('has the Chinese of every campaign status, funnel stage, channel, tag kind and named computed tag the API answers', () => {
    const keys = [
      ...CAMPAIGN_STATUSES.map((s) => `status.${s}`),
      ...STAGES.map((s) => `stage.${s}`),
      ...CAMPAIGN_TYPES.map((c) => `channel.${c}`),
      ...['email', 'sms', 'push', 'wechat', 'webhook'].map((c) => `channel.${c}`),
      ...TAG_KINDS.map((k) => `tagkind.${k}`),
      ...[...BEHAVIOUR_TAGS, ...VALUE_TAGS, 'package_buyer'].map((tag) => `tag.${tag}`),
    ];
    expect(keys.filter((k) => !(k in zhTable))).toEqual([]);
  });

  it('keeps the placeholders of each message in both languages', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, text] of Object.entries(zhTable)) expect(placeholders(text), key).toEqual(placeholders(enTable[key] ?? key));
  });
});
