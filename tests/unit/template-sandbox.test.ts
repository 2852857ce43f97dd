import { describe, expect, it } from 'vitest';
import { renderTemplate, TEMPLATE_LIMITS, TemplateLimitError, validateTemplate } from '../../src/templates/render.js';
import { renderInSandbox, sandboxRendering } from '../../src/templates/sandbox.js';

/** Two nested loops that output nothing: only the time limit stops them (1500² iterations). */
const LONG = '{% for i in (1..1500) %}{% for j in (1..1500) %}{% if j %}{% endif %}{% endfor %}{% endfor %}';

describe('templates read no file', () => {
  it.each(["{% render 'package.json' %}", "{% include '.git/config' %}", "{% layout '../.data/tracking-secret' %}x", '{% render x %}'])(
    'refuses %s when parsed, naming the tag and its position',
    (source) => {
      const tag = /\{% (\w+)/.exec(source)![1]!;
      expect(validateTemplate(`Hello\n${source}`)).toMatch(new RegExp(`\\{% ${tag} %\\} is not available.*line:2, col:1`));
      for (const mode of ['html', 'text'] as const) {
        expect(() => renderTemplate(source, { x: 'package.json' }, mode)).toThrow(/is not available: a template cannot include files/);
      }
    },
  );
});

describe('the limits of one render', () => {
  it('stops a loop over a huge range before it builds the range (memory)', () => {
    const huge = '{% for i in (1..100000000) %}x{% endfor %}';
    expect(() => renderTemplate(huge, {}, 'text')).toThrow(TemplateLimitError);
    expect(() => renderTemplate(huge, {}, 'text')).toThrow(/ranges, arrays and strings exceed 2000000 items/);
    expect(validateTemplate(huge)).toMatch(/over a template limit/);
  });

  it('stops a loop that runs past the time limit, between its iterations', () => {
    expect(() => renderTemplate(LONG, {}, 'html')).toThrow(/over a template limit, it renders for longer than 500 ms/);
    expect(validateTemplate(LONG)).toMatch(/renders for longer than 500 ms/);
  });

  it('stops a render at the output limit', () => {
    const wide = `{% for i in (1..2000) %}${'x'.repeat(1000)}{% endfor %}`;
    expect(() => renderTemplate(wide, {}, 'text')).toThrow(new RegExp(`renders more than ${TEMPLATE_LIMITS.outputChars} characters`));
    // Just under it renders.
    expect(renderTemplate(`{% for i in (1..1000) %}${'x'.repeat(1000)}{% endfor %}`, {}, 'text')).toHaveLength(1_000_000);
  });

  it('stops a string doubled past the memory limit', () => {
    const doubling = '{% assign s = "ab" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}';
    expect(() => renderTemplate(doubling, {}, 'text')).toThrow(TemplateLimitError);
  });

  it('refuses source past the parse limit', () => {
    expect(validateTemplate('x'.repeat(TEMPLATE_LIMITS.sourceChars + 1))).toMatch(/longer than 1000000 characters/);
    expect(validateTemplate('x'.repeat(TEMPLATE_LIMITS.sourceChars))).toBeNull();
  });

  it('accepts at save a loop whose length the data decides, and bounds it at send', () => {
    const byData = 'Hi {{ customer.name }}{% for i in (1..customer.visits) %}.{% endfor %}';
    expect(validateTemplate(byData)).toBeNull();
    expect(renderTemplate(byData, { customer: { name: 'Ada', visits: 3 } }, 'text')).toBe('Hi Ada...');
    expect(() => renderTemplate(byData, { customer: { name: 'Ada', visits: 1e9 } }, 'text')).toThrow(TemplateLimitError);
  });

  it('keeps other errors as they are (not limit errors), and validation ignores missing data', () => {
    expect(() => renderTemplate('{{ x.y }}', {}, 'text', { strict: true })).toThrow(/undefined variable/);
    expect(() => renderTemplate('{{ x.y }}', {}, 'text', { strict: true })).not.toThrow(TemplateLimitError);
    expect(validateTemplate('{{ x.y | upcase }}{% for p in customer.purchases %}{{ p.sku }}{% endfor %}')).toBeNull();
  });

  it('reads only own properties of the variables', () => {
    expect(renderTemplate('[{{ customer.constructor }}{{ customer.__proto__ }}]', { customer: { name: 'Ada' } }, 'text')).toBe('[]');
  });
});

describe('the sandbox thread (previews)', () => {
  it('renders the parts in order with the variables, escaping HTML parts', async () => {
    const result = await renderInSandbox(
      [
        ['subject', 'Hi {{ customer.name }}', 'text'],
        ['html', '<p>{{ customer.name }}</p>', 'html'],
      ],
      { customer: { name: '李雷 <&> 🎉' } },
      false,
    );
    expect(result).toEqual({ rendered: { subject: 'Hi 李雷 <&> 🎉', html: '<p>李雷 &lt;&amp;&gt; 🎉</p>' } });
  });

  it('names the part that does not render, and keeps strict variables as asked', async () => {
    const parts: Array<[string, string, 'text']> = [
      ['subject', 'Hi', 'text'],
      ['text', 'Hi {{ custmer.name }}', 'text'],
    ];
    expect(await renderInSandbox(parts, {}, true)).toEqual({
      failed: { part: 'text', message: expect.stringMatching(/undefined variable: custmer/) },
    });
    expect(await renderInSandbox(parts, {}, false)).toEqual({ rendered: { subject: 'Hi', text: 'Hi ' } });
  });

  it('leaves the event loop free while a template runs to its time limit', async () => {
    let ticks = 0;
    let done = false;
    const rendering = renderInSandbox([['html', LONG, 'html']], {}, false).finally(() => (done = true));
    // Timers fire on this thread while the other renders: the render has started and is not over.
    for (;;) {
      await new Promise((r) => setTimeout(r, 10));
      if (sandboxRendering() > 0) ticks++;
      if (done || ticks >= 3) break;
    }
    expect(done).toBe(false);
    expect(ticks).toBe(3);
    expect(await rendering).toEqual({ failed: { part: 'html', message: expect.stringMatching(/renders for longer than 500 ms/) } });
    // The thread lives on for the next request.
    expect(await renderInSandbox([['text', 'ok', 'text']], {}, false)).toEqual({ rendered: { text: 'ok' } });
  });
});
