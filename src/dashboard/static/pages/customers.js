// Customers: search by id, email or name (GET /api/customers?q=), a profile with tier, points, tags, RFM
// group, consent and active journeys, the timeline of every event and touch, and erasure (admin keys).
import { useState } from 'preact/hooks';
import { can, del, get, qs } from '../api.js';
import { fmtDateTime, fmtNumber, fmtPercent, fmtRate, t } from '../i18n.js';
import { Field, FormError, Loading, Pager, Status, confirmed, html, useLoad } from '../ui.js';

export function CustomerList() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState({ q: '', page: 1 });
  const list = useLoad(() => get(`/api/customers${qs({ ...query, page_size: 25 })}`), [query.q, query.page]);
  return html`<section>
    <h1>${t('Customers')}</h1>
    <form
      class="filters"
      role="search"
      onSubmit=${(e) => {
        e.preventDefault();
        setQuery({ q: q.trim(), page: 1 });
      }}
    >
      <${Field} label=${t('Search by id, email or name')} name="q" error=${list.error}>
        <input type="search" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />
      </${Field}>
      <button type="submit">${t('Search')}</button>
    </form>
    <${FormError} error=${list.error} fields=${['q']} />
    ${
      list.data
        ? html`<table>
              <thead>
                <tr>
                  <th>${t('Customer')}</th>
                  <th>${t('Email')}</th>
                  <th>${t('Name')}</th>
                  <th>${t('Tier')}</th>
                  <th>${t('Tags')}</th>
                  <th>RFM</th>
                </tr>
              </thead>
              <tbody>
                ${list.data.customers.map(
                  (c) =>
                    html`<tr>
                      <td><a href=${`#/customers/${encodeURIComponent(c.id)}`}>${c.id}</a></td>
                      <td>${c.email ?? '—'}</td>
                      <td>${c.name ?? '—'}</td>
                      <td>${c.tier}</td>
                      <td>${c.tags.join(', ')}</td>
                      <td>${c.rfm_segment ? t(`rfm.${c.rfm_segment}`) : '—'}</td>
                    </tr>`,
                )}
                ${
                  list.data.customers.length
                    ? null
                    : html`<tr>
                        <td colspan="6" class="muted">${t('No customer matches.')}</td>
                      </tr>`
                }
              </tbody>
            </table>
            <${Pager} pagination=${list.data.pagination} onPage=${(page) => setQuery({ ...query, page })} />`
        : html`<${Loading} />`
    }
  </section>`;
}

export function CustomerProfile({ id }) {
  const profile = useLoad(() => get(`/api/customers/${encodeURIComponent(id)}`), [id]);
  const [error, setError] = useState(null);
  if (!profile.data) return profile.error ? html`<p class="error" role="alert">${profile.error.message}</p>` : html`<${Loading} />`;
  const { customer: c, journeys, insights } = profile.data;

  async function erase() {
    if (!confirmed(t('Erase {id}? Their personal data is removed and their journeys end. This cannot be undone.', { id: c.id }))) return;
    try {
      await del(`/api/customers/${encodeURIComponent(c.id)}`);
      location.hash = '#/customers';
    } catch (err) {
      setError(err);
    }
  }

  return html`<section>
    <div class="title-row">
      <h1>${c.name ?? c.id}</h1>
      ${can('admin') ? html`<button type="button" class="danger" onClick=${erase}>${t('Erase customer')}</button>` : null}
    </div>
    <${FormError} error=${error} />
    <div class="grid2">
      <section class="card">
        <h2>${t('Profile')}</h2>
        <dl class="facts">
          <dt>${t('Customer')}</dt>
          <dd>${c.id}</dd>
          <dt>${t('Email')}</dt>
          <dd>${c.email ?? '—'}</dd>
          <dt>${t('Phone')}</dt>
          <dd>${c.phone ?? '—'}</dd>
          <dt>${t('Time zone')}</dt>
          <dd>${c.timezone ?? '—'}</dd>
          <dt>${t('Tier')}</dt>
          <dd>${insights.tier}</dd>
          <dt>${t('Points')}</dt>
          <dd>${fmtNumber(insights.points)}</dd>
          <dt>RFM</dt>
          <dd>${insights.rfm_segment ? t(`rfm.${insights.rfm_segment}`) : '—'}</dd>
          <dt>${t('Response rate')}</dt>
          <dd>${fmtRate(insights.behaviour?.response_rate)}</dd>
          <dt>${t('Churn risk')}</dt>
          <dd>${fmtPercent(insights.behaviour?.churn_risk)}</dd>
          <dt>${t('Tags')}</dt>
          <dd>${insights.tags.map((x) => html`<span class="tag" title=${x.kind}>${x.tag}</span>`)}</dd>
          <dt>${t('Consent')}</dt>
          <dd>
            ${Object.entries(c.consent).map(([ch, ok]) => html`<span class="tag ${ok ? '' : 'off'}">${t(`channel.${ch}`)}: ${ok ? t('yes') : t('no')}</span>`)}
          </dd>
          <dt>${t('Created')}</dt>
          <dd>${fmtDateTime(c.createdAt)}</dd>
        </dl>
      </section>
      <section class="card">
        <h2>${t('Active journeys')}</h2>
        ${
          journeys.length
            ? html`<ul class="plain">
                ${journeys.map(
                  (j) =>
                    html`<li>
                      <strong>${t(`journey.${j.journey}`)}</strong> · ${t('since')} ${fmtDateTime(j.startedAt)}
                      ${j.status?.currentStep ? html` · ${t('step')} ${j.status.currentStep}` : null}
                      ${j.status?.nextWakeUp ? html` · ${t('next')} ${fmtDateTime(j.status.nextWakeAt)}` : null}
                    </li>`,
                )}
              </ul>`
            : html`<p class="muted">${t('None.')}</p>`
        }
      </section>
    </div>
    <${Timeline} id=${id} />
  </section>`;
}

function Timeline({ id }) {
  const [page, setPage] = useState(1);
  const items = useLoad(() => get(`/api/customers/${encodeURIComponent(id)}/timeline${qs({ page, page_size: 25 })}`), [id, page]);
  return html`<section class="card" aria-labelledby="timeline">
    <h2 id="timeline">${t('Timeline')}</h2>
    ${
      items.data
        ? html`<ol class="timeline" data-testid="timeline">
              ${items.data.items.map((it) =>
                it.kind === 'event'
                  ? html`<li>
                      <time datetime=${it.at}>${fmtDateTime(it.at)}</time> <span class="badge">${t('event')}</span> ${it.event.type}
                    </li>`
                  : html`<li>
                      <time datetime=${it.at}>${fmtDateTime(it.at)}</time> <span class="badge">${t(`channel.${it.touch.channel}`)}</span>
                      <${Status} value=${it.touch.status} /> ${it.touch.subject ?? ''}
                      ${it.touch.campaign_id ? html` · <a href=${`#/campaigns/${it.touch.campaign_id}`}>${t('campaign')}</a>` : null}
                      ${it.touch.journey ? html` · ${t(`journey.${it.touch.journey}`)}` : null}
                      ${it.touch.opened_at ? html` · ${t('opened')} ${fmtDateTime(it.touch.opened_at)}` : null}
                      ${it.touch.clicked_at ? html` · ${t('clicked')} ${fmtDateTime(it.touch.clicked_at)}` : null}
                      ${it.touch.converted_at ? html` · ${t('converted')} ${fmtDateTime(it.touch.converted_at)}` : null}
                    </li>`,
              )}
              ${items.data.items.length ? null : html`<li class="muted">${t('Nothing yet.')}</li>`}
            </ol>
            <${Pager} pagination=${items.data.pagination} onPage=${setPage} />`
        : items.error
          ? html`<p class="error">${items.error.message}</p>`
          : html`<${Loading} />`
    }
  </section>`;
}
