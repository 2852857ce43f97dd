import { Liquid } from 'liquidjs';

// Liquid, as Customer.io and Dittofeed use: {{ customer.name }}, {{ coupon.code | upcase }}.
// HTML parts escape every output by default; plain-text parts and subjects do not.
const html = new Liquid({ strictFilters: true, outputEscape: 'escape' });
const plain = new Liquid({ strictFilters: true });
// The same, failing on a variable the message does not have — but not under `default` or an `if`, which
// are how a template says a variable is optional.
const strictHtml = new Liquid({ strictFilters: true, outputEscape: 'escape', strictVariables: true, lenientIf: true });
const strictPlain = new Liquid({ strictFilters: true, strictVariables: true, lenientIf: true });

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

/**
 * Strict variables: a template that names a variable its message does not have (outside `default` and
 * `if`) fails to render — the send is recorded failed with the template error — instead of printing
 * nothing. Off in production, where a customer without some attribute still gets the message; on in the
 * test suite (TEMPLATE_STRICT_VARIABLES), so a misspelt `{{ custmer.name }}` fails a test.
 */
let strictByDefault = false;
export function setStrictVariables(on: boolean): void {
  strictByDefault = on;
}

/** Parsed templates by mode and source: a broadcast renders the same few sources for every customer. */
const compiled = new Map<string, Compiled>();
const MAX_COMPILED = 1000;

/** `options.strict` overrides the process-wide setting (a save-time trial render with sample data is never strict). */
export function renderTemplate(
  source: string,
  vars: Record<string, unknown>,
  mode: 'html' | 'text',
  options: { strict?: boolean } = {},
): string {
  const strict = options.strict ?? strictByDefault;
  const engine = strict ? (mode === 'html' ? strictHtml : strictPlain) : mode === 'html' ? html : plain;
  const key = `${strict ? 'strict-' : ''}${mode}\u0000${source}`;
  let tpl = compiled.get(key);
  if (!tpl) {
    tpl = engine.parse(source);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, tpl);
  }
  return engine.renderSync(tpl, vars) as string;
}
