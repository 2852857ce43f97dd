// Two languages, chosen by the browser's (zh* → Chinese) until the user picks one; dates and numbers by the
// browser's own locale through Intl, with the time zone named.
import { en, zh } from './messages.js';

const STORE = 'touchpoint.lang';
export const LANGS = [
  { id: 'en', label: 'English' },
  { id: 'zh-CN', label: '中文' },
];

function initial() {
  const saved = localStorage.getItem(STORE);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return (navigator.languages ?? [navigator.language]).some((l) => /^zh\b/i.test(l ?? '')) ? 'zh-CN' : 'en';
}

let lang = initial();
document.documentElement.lang = lang;

export const currentLang = () => lang;
export function setLang(next) {
  lang = next;
  localStorage.setItem(STORE, next);
  document.documentElement.lang = next;
}

/**
 * The message of `key` in the current language, `{name}` replaced from `vars`; else the English one; else the
 * key itself (a value key as `status.sent` without its prefix, so an unknown API value still reads).
 */
export function t(key, vars) {
  const table = lang === 'zh-CN' ? zh : en;
  let s = table[key] ?? en[key] ?? (/^[a-z]+\./.test(key) ? key.slice(key.indexOf('.') + 1).replace(/_/g, ' ') : key);
  if (vars) s = s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? `{${k}}` : String(vars[k])));
  return s;
}

// Formats follow the browser's locale (not the UI language): a marketer in Berlin reading Chinese labels
// still reads 7.12.2026.
const locale = navigator.language || undefined;
export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
const number = new Intl.NumberFormat(locale);
const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

const asDate = (v) => (v instanceof Date ? v : new Date(v));
export const fmtDateTime = (v) => (v == null ? '—' : dateTime.format(asDate(v)));
/** A UTC day (the API's day buckets), as a date. */
export const fmtDay = (v) => (v == null ? '—' : dateOnly.format(asDate(v)));
export const fmtNumber = (v) => (v == null ? '—' : number.format(v));
export const fmtDecimal = (v) => (v == null ? '—' : decimal.format(v));
export const fmtPercent = (v) => (v == null ? '—' : percent.format(v));
/** A rate of the API (`{ value, base, … }`: value in percent) as a percentage. */
export const fmtRate = (r) => (r?.value == null ? '—' : percent.format(r.value / 100));
export const fmtDuration = (seconds) => {
  if (seconds == null) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
};
