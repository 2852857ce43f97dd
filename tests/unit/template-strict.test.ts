import { afterEach, describe, expect, it } from 'vitest';
import { renderTemplate, setStrictVariables } from '../../src/templates/render.js';

describe('strict variables (the test suite’s setting)', () => {
  afterEach(() => setStrictVariables(false));
  const vars = { customer: { name: 'Ada', plan: null } };

  it('fails on a variable the message does not have, naming it', () => {
    setStrictVariables(true);
    expect(() => renderTemplate('Hi {{ custmer.name }}', vars, 'text')).toThrow(/undefined variable: custmer/);
    expect(() => renderTemplate('<p>{{ customer.nmae }}</p>', vars, 'html')).toThrow(/undefined variable: customer.nmae/);
  });

  it('lets `default` and `if` say a variable is optional, and takes null as a value', () => {
    setStrictVariables(true);
    expect(renderTemplate('Hi {{ customer.nickname | default: customer.name }}', vars, 'text')).toBe('Hi Ada');
    expect(renderTemplate('{% if coupon %}{{ coupon.code }}{% else %}none{% endif %}', vars, 'text')).toBe('none');
    expect(renderTemplate('[{{ customer.plan }}]', vars, 'text')).toBe('[]');
  });

  it('prints nothing for a missing variable when off (production), and a call can turn it off', () => {
    expect(renderTemplate('Hi {{ custmer.name }}!', vars, 'text')).toBe('Hi !');
    setStrictVariables(true);
    expect(renderTemplate('Hi {{ custmer.name }}!', vars, 'text', { strict: false })).toBe('Hi !');
  });
});
