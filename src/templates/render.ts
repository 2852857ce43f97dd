import { Context, type Emitter, Liquid, toValue, toValueSync } from 'liquidjs';

/**
 * What one render of one part may use (docs/delivery.md, "Templates are a sandbox"). A part over a limit
 * does not render: refused at save when it is over them already without data, failed at send otherwise.
 */
export const TEMPLATE_LIMITS = {
  /** Characters of Liquid source one parse reads. */
  sourceChars: 1_000_000,
  /** Milliseconds one render may run. liquidjs checks it before every node, so every loop iteration. */
  renderMs: 500,
  /** liquidjs's allocation count: the length of every range, array and string a tag or filter builds. */
  memory: 2_000_000,
  /** Characters of one rendered part. */
  outputChars: 1_000_000,
} as const;

/** The tags that read another template: a template reads no file, and there is nothing else to read. */
const FILE_TAGS = ['render', 'include', 'layout'] as const;

/**
 * The one way a Liquid engine is made. Liquid, as Customer.io and Dittofeed use: {{ customer.name }},
 * {{ coupon.code | upcase }}. HTML parts escape every output; plain-text parts and subjects do not.
 * `strict` fails on a variable the message does not have — but not under `default` or an `if`, which are
 * how a template says a variable is optional.
 */
function createEngine({ html, strict }: { html: boolean; strict: boolean }): Liquid {
  const engine = new Liquid({
    strictFilters: true,
    ...(html ? { outputEscape: 'escape' as const } : {}),
    ...(strict ? { strictVariables: true, lenientIf: true } : {}),
    // An in-memory file system with nothing in it: whatever a tag asks for, no file is read.
    templates: {},
    ownPropertyOnly: true,
    parseLimit: TEMPLATE_LIMITS.sourceChars,
    renderLimit: TEMPLATE_LIMITS.renderMs,
    memoryLimit: TEMPLATE_LIMITS.memory,
  });
  // Refused when the template is parsed (so at save), with the tag's line and column.
  for (const tag of FILE_TAGS) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(`{% ${tag} %} is not available: a template cannot include files or other templates`);
      },
      render() {},
    });
  }
  return engine;
}

const html = createEngine({ html: true, strict: false });
const plain = createEngine({ html: false, strict: false });
const strictHtml = createEngine({ html: true, strict: true });
const strictPlain = createEngine({ html: false, strict: true });

/** A template over one of TEMPLATE_LIMITS: it would be over it again, so a send fails rather than retries. */
export class TemplateLimitError extends Error {
  override name = 'TemplateLimitError';
}

/** liquidjs's limit errors, and the engine running out of string length or stack, by what they mean. */
const OVER_LIMIT: Array<[RegExp, string]> = [
  [/template render limit exceeded/, `it renders for longer than ${TEMPLATE_LIMITS.renderMs} ms`],
  [/memory alloc limit exceeded/, `its ranges, arrays and strings exceed ${TEMPLATE_LIMITS.memory} items`],
  [/parse length limit exceeded/, `it is longer than ${TEMPLATE_LIMITS.sourceChars} characters`],
  [/Invalid string length/, `it renders more than ${TEMPLATE_LIMITS.outputChars} characters`],
  [/Maximum call stack size exceeded/, 'it nests too deep'],
];

/** A limit error of liquidjs as a TemplateLimitError saying which limit; any other error as it is. */
function limitError(err: unknown): unknown {
  if (err instanceof TemplateLimitError || !(err instanceof Error)) return err;
  const limit = OVER_LIMIT.find(([pattern]) => pattern.test(err.message));
  return limit ? new TemplateLimitError(`over a template limit, ${limit[1]} (${err.message})`) : err;
}

/** liquidjs's emitter, stopping at TEMPLATE_LIMITS.outputChars instead of growing the string without end. */
class BoundedEmitter implements Emitter {
  buffer = '';
  write(value: unknown): void {
    this.buffer += stringify(value);
    if (this.buffer.length > TEMPLATE_LIMITS.outputChars)
      throw new TemplateLimitError(`over a template limit, it renders more than ${TEMPLATE_LIMITS.outputChars} characters`);
  }
}

/** What liquidjs's own emitter writes for a value. */
function stringify(value: unknown): string {
  const v: unknown = toValue(value);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(stringify).join('');
  // As liquidjs does: a number, a boolean, or an object's own toString.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return String(v);
}

/** Returns null when the template parses and stays within the limits without data, else a message naming the problem (for a 422 at save). */
export function validateTemplate(source: string): string | null {
  let tpl: Compiled;
  try {
    tpl = plain.parse(source);
  } catch (err) {
    const problem = limitError(err);
    return problem instanceof Error ? problem.message : String(problem);
  }
  // A trial render with no variables: a loop over a literal range is as long as it will ever be. Other
  // errors here are a missing variable's doing, which the send's own data decides.
  try {
    renderBounded(plain, tpl, {});
  } catch (err) {
    const limit = limitError(err);
    if (limit instanceof TemplateLimitError) return limit.message;
  }
  return null;
}

type Compiled = ReturnType<Liquid['parse']>;

function renderBounded(engine: Liquid, tpl: Compiled, vars: Record<string, unknown>): string {
  const emitter = new BoundedEmitter();
  const ctx = new Context(vars, engine.options, { sync: true }, { liquid: engine });
  toValueSync(engine.renderer.renderTemplates(tpl, ctx, emitter));
  return emitter.buffer;
}

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
export const strictVariables = (): boolean => strictByDefault;

/** Parsed templates by mode and source: a broadcast renders the same few sources for every customer. */
const compiled = new Map<string, Compiled>();
const MAX_COMPILED = 1000;

/**
 * One part rendered within TEMPLATE_LIMITS; throws the template's error (a TemplateLimitError when over a
 * limit). `options.strict` overrides the process-wide setting (a save-time trial render with sample data
 * is never strict).
 */
export function renderTemplate(
  source: string,
  vars: Record<string, unknown>,
  mode: 'html' | 'text',
  options: { strict?: boolean } = {},
): string {
  const strict = options.strict ?? strictByDefault;
  const engine = strict ? (mode === 'html' ? strictHtml : strictPlain) : mode === 'html' ? html : plain;
  const key = `${strict ? 'strict-' : ''}${mode}\u0000${source}`;
  try {
    let tpl = compiled.get(key);
    if (!tpl) {
      tpl = engine.parse(source);
      if (compiled.size >= MAX_COMPILED) compiled.clear();
      compiled.set(key, tpl);
    }
    return renderBounded(engine, tpl, vars);
  } catch (err) {
    throw limitError(err);
  }
}
