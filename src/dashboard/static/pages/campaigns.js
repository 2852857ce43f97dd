// Campaigns: the list with the API's filters and paging, and the create form (audience by tags or a
// segment with a live count, inline content or a template with a rendered preview for a chosen customer).
import { useEffect, useState } from 'preact/hooks';
import { can, get, post, qs } from '../api.js';
import { fmtDateTime, fmtNumber, t, timeZone } from '../i18n.js';
import { Field, FormError, Loading, Pager, Status, html, names, useLoad } from '../ui.js';
import { Preview } from './preview.js';

const STATUSES = ['draft', 'scheduled', 'active', 'paused', 'completed', 'cancelled', 'archived'];
const TYPES = ['email', 'sms', 'push_notification', 'wechat', 'webhook'];

export function CampaignList() {
  const [filter, setFilter] = useState({ status: '', type: '', name: '', page: 1 });
  const list = useLoad(() => get(`/api/marketing/campaigns${qs({ ...filter, page_size: 20 })}`), [JSON.stringify(filter)]);
  const set = (k) => (e) => setFilter({ ...filter, [k]: e.currentTarget.value, page: 1 });
  return html`<section>
    <div class="title-row">
      <h1>${t('Campaigns')}</h1>
      ${can('marketing:write') ? html`<a class="button primary" href="#/campaigns/new">${t('New campaign')}</a>` : null}
    </div>
    <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label=${t('Status')} name="status" error=${list.error}>
        <select value=${filter.status} onChange=${set('status')}>
          <option value="">${t('Any')}</option>
          ${STATUSES.map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
        </select>
      </${Field}>
      <${Field} label=${t('Channel')} name="type" error=${list.error}>
        <select value=${filter.type} onChange=${set('type')}>
          <option value="">${t('Any')}</option>
          ${TYPES.map((s) => html`<option value=${s}>${t(`channel.${s}`)}</option>`)}
        </select>
      </${Field}>
      <${Field} label=${t('Name contains')} name="name" error=${list.error}>
        <input type="search" value=${filter.name} onInput=${set('name')} />
      </${Field}>
    </form>
    <${FormError} error=${list.error} fields=${['status', 'type', 'name']} />
    ${
      list.data
        ? html`<table>
              <caption class="sr-only">
                ${t('Campaigns')}
              </caption>
              <thead>
                <tr>
                  <th>${t('Name')}</th>
                  <th>${t('Channel')}</th>
                  <th>${t('Status')}</th>
                  <th>${t('Audience')}</th>
                  <th>${t('Created')}</th>
                </tr>
              </thead>
              <tbody>
                ${list.data.campaigns.map(
                  (c) =>
                    html`<tr>
                      <td><a href=${`#/campaigns/${c.id}`}>${c.name}</a></td>
                      <td>${t(`channel.${c.type}`)}</td>
                      <td><${Status} value=${c.status} /></td>
                      <td>${c.target_tags.join(', ')}${c.target_segment_id ? ` · ${t('segment')}` : ''}</td>
                      <td>${fmtDateTime(c.created_at)}</td>
                    </tr>`,
                )}
                ${
                  list.data.campaigns.length
                    ? null
                    : html`<tr>
                        <td colspan="5" class="muted">${t('No campaigns yet.')}</td>
                      </tr>`
                }
              </tbody>
            </table>
            <${Pager} pagination=${list.data.pagination} onPage=${(page) => setFilter({ ...filter, page })} />`
        : list.loading
          ? html`<${Loading} />`
          : null
    }
  </section>`;
}

/** The parts a channel's content has (the API's names), for the inline editor. */
const PARTS = {
  email: ['subject', 'text', 'html'],
  sms: ['text'],
  push_notification: ['title', 'body'],
  wechat: ['template_id', 'first', 'keyword1', 'remark'],
  webhook: ['body'],
};

const localToIso = (v) => (v ? new Date(v).toISOString() : undefined);

export function CampaignNew() {
  const [form, setForm] = useState({
    name: '',
    type: 'email',
    tags: '',
    segment: '',
    source: 'inline',
    parts: { subject: '', text: 'Hi {{ customer.first_name }}', html: '' },
    template: '',
    webhook_url: '',
    rate_limit: '',
    start: '',
    end: '',
  });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const segments = useLoad(() => get('/api/segments?page_size=500'), []);
  const templates = useLoad(() => get('/api/templates'), []);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const setPart = (k) => (e) => setForm({ ...form, parts: { ...form.parts, [k]: e.currentTarget.value } });
  const tags = form.tags
    .split(/[,，\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

  const [audience, setAudience] = useState(null);
  useEffect(() => {
    if (!tags.length && !form.segment) return setAudience(null);
    let gone = false;
    const timer = setTimeout(() => {
      get(`/api/marketing/audience${qs({ tags: tags.join(','), segment_id: form.segment })}`).then(
        (r) => !gone && setAudience({ count: r.count }),
        (err) => !gone && setAudience({ error: err }),
      );
    }, 250);
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [tags.join(','), form.segment]);

  const usable = (templates.data?.templates ?? []).filter((tp) => tp.channel === form.type);

  function body() {
    const content = {};
    for (const p of PARTS[form.type]) if (form.parts[p]) content[p] = form.parts[p];
    return {
      name: form.name,
      type: form.type,
      ...(tags.length ? { target_tags: tags } : {}),
      ...(form.segment ? { target_segment_id: form.segment } : {}),
      ...(form.source === 'inline' ? { content } : { content_template_id: form.template || undefined }),
      ...(form.type === 'webhook' && form.webhook_url ? { webhook_url: form.webhook_url } : {}),
      ...(form.rate_limit ? { rate_limit: Number(form.rate_limit) } : {}),
      ...(form.start ? { start_time: localToIso(form.start) } : {}),
      ...(form.end ? { end_time: localToIso(form.end) } : {}),
    };
  }

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await post('/api/marketing/campaigns', body());
      location.hash = `#/campaigns/${c.id}`;
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const fields = [
    'name',
    'type',
    'target_tags',
    'target_segment_id',
    'content',
    'content_template_id',
    'webhook_url',
    'rate_limit',
    'start_time',
    'end_time',
  ];
  return html`<section>
    <h1>${t('New campaign')}</h1>
    <form class="stack" onSubmit=${submit} aria-label=${t('New campaign')}>
      <div class="grid2">
        <${Field} label=${t('Name')} name="name" error=${error}>
          <input value=${form.name} onInput=${set('name')} required />
        </${Field}>
        <${Field} label=${t('Channel')} name="type" error=${error}>
          <select value=${form.type} onChange=${set('type')}>
            ${TYPES.map((s) => html`<option value=${s}>${t(`channel.${s}`)}</option>`)}
          </select>
        </${Field}>
      </div>
      <fieldset>
        <legend>${t('Audience')}</legend>
        <div class="grid2">
          <${Field} label=${t('Target tags')} name="target_tags" error=${error} hint=${t('Any of these tags, separated by commas')}>
            <input value=${form.tags} onInput=${set('tags')} />
          </${Field}>
          <${Field} label=${t('Segment')} name="target_segment_id" error=${error}>
            <select value=${form.segment} onChange=${set('segment')}>
              <option value="">${t('None')}</option>
              ${(segments.data?.segments ?? []).map((s) => html`<option value=${s.id}>${s.name} (${fmtNumber(s.count)})</option>`)}
            </select>
          </${Field}>
        </div>
        <p class="audience" aria-live="polite" data-testid="audience-count">
          ${audience == null ? t('Choose tags or a segment.') : audience.error ? audience.error.message : t('{n} customers would receive it now', { n: fmtNumber(audience.count) })}
        </p>
      </fieldset>
      <fieldset>
        <legend>${t('Content')}</legend>
        <div class="radios" role="radiogroup" aria-label=${t('Content')}>
          <label><input type="radio" name="source" value="inline" checked=${form.source === 'inline'} onChange=${set('source')} /> ${t('Written here')}</label>
          <label><input type="radio" name="source" value="template" checked=${form.source === 'template'} onChange=${set('source')} /> ${t('From a template')}</label>
        </div>
        ${
          form.source === 'inline'
            ? PARTS[form.type].map(
                (p) => html`<${Field} label=${t(`part.${p}`)} name=${`content.${p}`} error=${error}>
                ${p === 'text' || p === 'html' || p === 'body' ? html`<textarea rows="4" value=${form.parts[p] ?? ''} onInput=${setPart(p)}></textarea>` : html`<input value=${form.parts[p] ?? ''} onInput=${setPart(p)} />`}
              </${Field}>`,
              )
            : html`<${Field} label=${t('Template')} name="content_template_id" error=${error}>
                <select value=${form.template} onChange=${set('template')}>
                  <option value="">${t('Choose…')}</option>
                  ${usable.map((tp) => html`<option value=${tp.id}>${tp.name}</option>`)}
                </select>
              </${Field}>
              ${form.template ? html`<${Preview} path=${`/api/templates/${encodeURIComponent(form.template)}/preview`} />` : null}`
        }
        ${
          error && names(error, 'content') && !PARTS[form.type].some((p) => names(error, `content.${p}`))
            ? html`<p class="field-error" role="alert" data-field=${error.field}>${error.message}</p>`
            : null
        }
      </fieldset>
      <fieldset>
        <legend>${t('Sending')}</legend>
        <div class="grid2">
          ${
            form.type === 'webhook'
              ? html`<${Field} label=${t('Webhook URL')} name="webhook_url" error=${error}>
                <input type="url" value=${form.webhook_url} onInput=${set('webhook_url')} />
              </${Field}>`
              : null
          }
          <${Field} label=${t('Rate limit (messages per second)')} name="rate_limit" error=${error}>
            <input type="number" min="1" value=${form.rate_limit} onInput=${set('rate_limit')} />
          </${Field}>
          <${Field} label=${t('Start (empty: when triggered)')} name="start_time" error=${error} hint=${t('In your time zone, {tz}', { tz: timeZone })}>
            <input type="datetime-local" value=${form.start} onInput=${set('start')} />
          </${Field}>
          <${Field} label=${t('End')} name="end_time" error=${error} hint=${t('In your time zone, {tz}', { tz: timeZone })}>
            <input type="datetime-local" value=${form.end} onInput=${set('end')} />
          </${Field}>
        </div>
      </fieldset>
      <${FormError} error=${error} fields=${fields} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${t('Create campaign')}</button>
        <a class="button" href="#/campaigns">${t('Cancel')}</a>
      </div>
    </form>
  </section>`;
}
