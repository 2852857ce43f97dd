// Segments: the six RFM groups with their counts (a chart), the tags with their customers (a chart), and the
// dynamic segments with their rules, member counts and a refresh.
import { useState } from 'preact/hooks';
import { can, get, post } from '../api.js';
import { fmtDateTime, fmtNumber, t } from '../i18n.js';
import { ChartBox, COLORS, FormError, Loading, Pager, html, useLoad } from '../ui.js';
import { TagDistribution } from './tag-distribution.js';

export function Segments() {
  const rfm = useLoad(() => get('/api/ai-ops/customer/segment'), []);
  const [page, setPage] = useState(1);
  const segments = useLoad(() => get(`/api/segments?page=${page}&page_size=50`), [page]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null);
  const write = can('marketing:write');
  // A refresh recomputes the computed tags too: counted again after it.
  const [tagsSeen, setTagsSeen] = useState(0);

  async function refresh(id) {
    setBusy(id);
    setError(null);
    try {
      await post(`/api/segments/${encodeURIComponent(id)}/refresh`);
      await segments.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }
  async function refreshRfm() {
    setBusy('rfm');
    setError(null);
    try {
      await post('/api/ai-ops/customer/refresh');
      await rfm.reload();
      setTagsSeen((n) => n + 1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return html`<section>
    <h1>${t('Segments')}</h1>
    <${FormError} error=${error} />
    <section class="card">
      <div class="title-row">
        <h2>${t('RFM groups')}</h2>
        ${write ? html`<button type="button" disabled=${busy === 'rfm'} onClick=${refreshRfm}>${t('Refresh now')}</button>` : null}
      </div>
      ${
        rfm.data
          ? html`<p class="muted">
                ${[
                  t('{n} customers', { n: fmtNumber(rfm.data.totalCustomers) }),
                  rfm.data.method,
                  t('{n} days', { n: rfm.data.windowDays }),
                  `${t('computed')} ${fmtDateTime(rfm.data.computedAt)}`,
                ].join(' · ')}
              </p>
              <${ChartBox}
                type="bar"
                label=${rfm.data.segments.map((s) => `${t(`rfm.${s.id}`)} ${s.customerCount}`).join(', ')}
                data=${{
                  labels: rfm.data.segments.map((s) => t(`rfm.${s.id}`)),
                  datasets: [{ label: t('Customers'), data: rfm.data.segments.map((s) => s.customerCount), backgroundColor: COLORS }],
                }}
                options=${{ plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }}
              />
              <table class="compact">
                <thead>
                  <tr>
                    <th>${t('Group')}</th>
                    <th>${t('Customers')}</th>
                    <th>${t('Rule')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${rfm.data.segments.map(
                    (s) =>
                      html`<tr>
                        <td>${t(`rfm.${s.id}`)}</td>
                        <td>${fmtNumber(s.customerCount)}</td>
                        <td>${s.rule}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
          : rfm.error
            ? html`<p class="error">${rfm.error.message}</p>`
            : html`<${Loading} />`
      }
    </section>
    <${TagDistribution} refreshed=${tagsSeen} />
    <section class="card">
      <h2>${t('Dynamic segments')}</h2>
      ${
        segments.data
          ? html`<table data-testid="segments">
                <thead>
                  <tr>
                    <th>${t('Name')}</th>
                    <th>${t('Rules')}</th>
                    <th>${t('Members')}</th>
                    <th>${t('Refreshed')}</th>
                    <th><span class="sr-only">${t('Actions')}</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${segments.data.segments.map(
                    (s) =>
                      html`<tr>
                        <td>${s.name}${s.description ? html`<br /><small class="muted">${s.description}</small>` : null}</td>
                        <td><code class="rules">${s.rules ? JSON.stringify(s.rules) : t('kept by hand')}</code></td>
                        <td>${fmtNumber(s.count)}</td>
                        <td>${fmtDateTime(s.refreshed_at)}</td>
                        <td>
                          ${write && s.rules ? html`<button type="button" disabled=${busy === s.id} onClick=${() => refresh(s.id)}>${t('Refresh now')}</button>` : null}
                        </td>
                      </tr>`,
                  )}
                  ${
                    segments.data.segments.length
                      ? null
                      : html`<tr>
                          <td colspan="5" class="muted">${t('No segments yet.')}</td>
                        </tr>`
                  }
                </tbody>
              </table>
              <${Pager} pagination=${segments.data.pagination} onPage=${setPage} />`
          : html`<${Loading} />`
      }
    </section>
  </section>`;
}
