import { describe, expect, it } from 'vitest';
import { tagSchema } from '../../src/domain/tags.js';
import { customerPatchSchema } from '../../src/customers/customers.routes.js';
import { flowDefinitionSchema } from '../../src/flows/definition.js';
import { checkRule } from '../../src/segments/rules.js';

describe('the tag rule', () => {
  it.each(['新用户', 'VIP', 'package_buyer', 'müsli', 'हिंदी', 'лояльный', 'تخفيض', 'plan:pro', 'v1.2-beta', '2025'])(
    'accepts %s',
    (tag) => {
      expect(tagSchema.parse(tag)).toBe(tag);
    },
  );

  it('trims and NFC-normalises, so the same word typed two ways is one tag', () => {
    expect(tagSchema.parse('  VIP ')).toBe('VIP');
    const decomposed = 'cafe\u0301';
    expect(tagSchema.parse(decomposed)).toBe('caf\u00e9');
    expect(tagSchema.parse(decomposed)).toBe(tagSchema.parse('café'));
  });

  it.each([
    ['', /not empty/],
    ['   ', /not empty/],
    ['a b', /letters and digits of any script/],
    ["x'; drop table customers; --", /letters and digits of any script/],
    ['🎉', /letters and digits of any script/],
    ['新'.repeat(65), /at most 64 characters/],
  ])('refuses %j', (tag, message) => {
    const result = tagSchema.safeParse(tag);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toMatch(message);
  });

  it('is the rule of customers, segments and flows alike', () => {
    expect(customerPatchSchema.parse({ tags: ['新用户', ' VIP'] }).tags).toEqual(['新用户', 'VIP']);
    expect(customerPatchSchema.safeParse({ tags: ['a b'] }).error?.issues[0]?.path).toEqual(['tags', 0]);
    expect(checkRule({ has_tag: ' 新用户' })).toEqual({ rule: { has_tag: '新用户' }, issues: [] });
    expect(checkRule({ any: [{ has_tag: 'a b' }] }).issues).toEqual([{ path: ['any', 0, 'has_tag'], message: expect.any(String) }]);
    const flow = (tag: string) =>
      flowDefinitionSchema.safeParse({ name: 'f', trigger_event: 'signup', actions: [{ type: 'add_tag', tag }] });
    expect(flow('新用户').success).toBe(true);
    expect(flow('a b').error?.issues[0]?.path).toEqual(['actions', 0, 'tag']);
  });
});
