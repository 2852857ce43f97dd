import { Liquid } from 'liquidjs';

// Liquid, as Customer.io and Dittofeed use: {{ customer.name }}, {{ coupon.code | upcase }}.
// HTML parts escape every output by default; plain-text parts and subjects do not.
const html = new Liquid({ strictFilters: true, outputEscape: 'escape', cache: 500 });
const plain = new Liquid({ strictFilters: true, cache: 500 });

/** Returns null when the template parses, else a message naming the problem (for a 422 at save). */
export function validateTemplate(source: string): string | null {
  try {
    plain.parse(source);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export function renderTemplate(source: string, vars: Record<string, unknown>, mode: 'html' | 'text'): string {
  return (mode === 'html' ? html : plain).parseAndRenderSync(source, vars);
}
