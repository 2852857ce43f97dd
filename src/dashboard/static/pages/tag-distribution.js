// How many customers carry each tag (manual and computed), a bar per tag coloured by its kind.
import { useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { fmtDateTime, fmtNumber, t } from '../i18n.js';
import { ChartBox, COLORS, Field, Loading, html, useLoad } from '../ui.js';

export const TAG_KINDS = ['manual', 'behaviour', 'preference', 'value'];
const SHOWN = 20;
// Computed tags of fixed names read in the UI's language; preference tags (`<category>_lover`) and manual
// ones are the workspace's own words and show as they are.
const NAMED = new Set([
  ...['high_frequency', 'low_frequency', 'active', 'dormant', 'night_visitor', 'churn_risk'],
  ...['high_value', 'medium_value', 'low_value', 'potential', 'responsive', 'package_buyer'],
]);
const tagLabel = (tag, kind) => (kind !== 'manual' && NAMED.has(tag) ? t(`tag.${tag}`) : tag);

/** `refreshed`: changes when the insights were refreshed, to count again. */
export function TagDistribution({ refreshed }) {
  const [kind, setKind] = useState('');
  const dist = useLoad(() => get(`/api/ai-ops/customer/tags/distribution${qs({ kind, limit: SHOWN })}`), [kind, refreshed]);
  const d = dist.data;
  const kinds = kind ? [kind] : TAG_KINDS;
  return html`<section class="card" aria-labelledby="tag-distribution">
    <div class="title-row">
      <h2 id="tag-distribution">${t('Tag distribution')}</h2>
      <${Field} label=${t('Kind')} name="kind" error=${dist.error}>
        <select value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
          <option value="">${t('Any')}</option>
          ${TAG_KINDS.map((k) => html`<option value=${k}>${t(`tagkind.${k}`)}</option>`)}
        </select>
      </${Field}>
    </div>
    ${
      d
        ? d.tags.length
          ? html`<p class="muted">
                ${[
                  t('Customers per tag, the {shown} most carried of {n} tags', {
                    shown: fmtNumber(d.tags.length),
                    n: fmtNumber(d.total_tags),
                  }),
                  t('{n} customers', { n: fmtNumber(d.total_customers) }),
                  `${t('computed')} ${fmtDateTime(d.computed_at)}`,
                ].join(' · ')}
              </p>
              <${ChartBox}
                type="bar"
                height=${Math.max(160, 26 * d.tags.length + 60)}
                label=${`${t('Tag distribution')}: ${d.tags.map((x) => `${tagLabel(x.tag, x.kind)} (${t(`tagkind.${x.kind}`)}) ${x.customers}`).join(', ')}`}
                data=${{
                  labels: d.tags.map((x) => tagLabel(x.tag, x.kind)),
                  // A dataset per kind, each bar in one of them: the legend names the kinds by colour.
                  datasets: kinds.map((k) => ({
                    label: t(`tagkind.${k}`),
                    data: d.tags.map((x) => (x.kind === k ? x.customers : null)),
                    backgroundColor: COLORS[TAG_KINDS.indexOf(k)],
                    skipNull: true,
                  })),
                }}
                options=${{
                  indexAxis: 'y',
                  scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
                }}
              />`
          : html`<p class="muted">${t('No tags yet.')}</p>`
        : dist.error
          ? null
          : html`<${Loading} />`
    }
  </section>`;
}
