// Shared pieces of the pages: data loading, polling, fields that show the API's error for them, charts.
import { cloneElement, h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { t, fmtNumber } from './i18n.js';

export const html = htm.bind(h);

/** Loads `load()` when `deps` change; `reload` loads again. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      if (mine === seq.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === seq.current) setState({ data: null, error, loading: false });
    }
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { ...state, reload };
}

/** Calls `fn` every `ms` while `active`, and once at once. */
export function usePoll(fn, ms, active) {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active) return undefined;
    let stopped = false;
    let timer;
    const tick = async () => {
      try {
        await saved.current();
      } finally {
        if (!stopped) timer = setTimeout(tick, ms);
      }
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [ms, active]);
}

/** Whether an API error names `name` (exactly, or a part of it: `content.subject`, `target_tags[0]`). */
export const names = (error, name) =>
  !!error?.field && (error.field === name || error.field.startsWith(`${name}.`) || error.field.startsWith(`${name}[`));

let fieldSeq = 0;
/** A labelled control; the API error naming `name` is shown under it and tied to it for screen readers. */
export function Field({ label, name, error, hint, children }) {
  const id = useRef(`f${++fieldSeq}`).current;
  const mine = names(error, name) ? error : null;
  const control = Array.isArray(children) ? children[0] : children;
  const described = [hint ? `${id}-hint` : null, mine ? `${id}-err` : null].filter(Boolean).join(' ') || undefined;
  const withId =
    control && control.props
      ? cloneElement(control, { id, 'aria-describedby': described, 'aria-invalid': mine ? 'true' : undefined })
      : control;
  return html`<div class="field ${mine ? 'has-error' : ''}">
    <label for=${id}>${label}</label>
    ${withId} ${hint ? html`<small id="${id}-hint" class="hint">${hint}</small>` : null}
    ${mine ? html`<small id="${id}-err" class="field-error" role="alert" data-field=${mine.field}>${mine.message}</small>` : null}
  </div>`;
}

/** An error no field of the form shows (`fields`: the names the form's fields show). */
export function FormError({ error, fields = [] }) {
  if (!error) return null;
  if (fields.some((f) => names(error, f))) return null;
  return html`<p class="error" role="alert">${errorText(error)}</p>`;
}

export function errorText(error) {
  if (!error) return '';
  if (error.status === 403) return `${t('Forbidden')}: ${error.message}`;
  return error.field ? `${error.message} (${error.field})` : error.message;
}

export function Loading({ what }) {
  return html`<p class="muted" aria-busy="true">${t('Loading…')}${what ? ` ${what}` : ''}</p>`;
}

export function Status({ value }) {
  return html`<span class="badge badge-${value}">${t(`status.${value}`)}</span>`;
}

export function Pager({ pagination, onPage }) {
  if (!pagination) return null;
  const { page, page_size: size, total } = pagination;
  const pages = Math.max(1, Math.ceil(total / size));
  return html`<nav class="pager" aria-label=${t('Pages')}>
    <button type="button" disabled=${page <= 1} onClick=${() => onPage(page - 1)}>${t('Previous')}</button>
    <span
      >${`${t('Page {page} of {pages}', { page: fmtNumber(page), pages: fmtNumber(pages) })} · ${t('{n} in all', { n: fmtNumber(total) })}`}</span
    >
    <button type="button" disabled=${page >= pages} onClick=${() => onPage(page + 1)}>${t('Next')}</button>
  </nav>`;
}

/** A Chart.js chart (the UMD build's global `Chart`); `label` is what a screen reader hears. */
export function ChartBox({ type, data, options, label, height = 260 }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new globalThis.Chart(canvas.current, {
      type,
      data,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...options },
    });
    return () => chart.current?.destroy();
  }, [type, JSON.stringify(data), JSON.stringify(options)]);
  return html`<div class="chart" style=${`height:${height}px`}><canvas ref=${canvas} role="img" aria-label=${label}></canvas></div>`;
}

export const COLORS = ['#1f6feb', '#d1495b', '#2a9d8f', '#e9a23b', '#7b4fb5', '#5c6b7a'];

/** Confirms with the browser's own dialog (keyboard and screen-reader friendly). */
export const confirmed = (message) => globalThis.confirm(message);
