import { Liquid } from 'liquidjs';

// Liquid, as Customer.io and Dittofeed use: {{ customer.name }}, {{ coupon.code | upcase }}.
// HTML parts escape every output by default; plain-text parts and subjects do not.
const html = new Liquid({ strictFilters: true, outputEscape: 'escape' });
const plain = new Liquid({ strictFilters: true });

/** Returns null when the template parses, else a message naming the problem (for a 422 at save). */
export function validateTemplate(source: string): string | null {
  try {
    plain.parse(source);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

type Compiled = ReturnType<Liquid['parse']>;

/** Parsed templates by mode and source: a broadcast renders the same few sources for every customer. */
const compiled = new Map<string, Compiled>();
const MAX_COMPILED = 1000;

export function renderTemplate(source: string, vars: Record<string, unknown>, mode: 'html' | 'text'): string {
  const engine = mode === 'html' ? html : plain;
  const key = `${mode}\u0000${source}`;
  let tpl = compiled.get(key);
  if (!tpl) {
    tpl = engine.parse(source);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, tpl);
  }
  return engine.renderSync(tpl, vars) as string;
}
