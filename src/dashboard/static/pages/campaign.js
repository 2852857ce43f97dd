// One campaign: its settings, trigger (actual or simulation), the controls its status allows, live
// progress polled from GET …/status, the funnel chart and the records table.
import { useState } from 'preact/hooks';
import { can, get, post, qs } from '../api.js';
import { fmtDateTime, fmtDuration, fmtNumber, fmtPercent, fmtRate, t } from '../i18n.js';
import { Preview } from './preview.js';
import { ChartBox, COLORS, Field, FormError, Loading, Pager, Status, html, useLoad, usePoll } from '../ui.js';

const BASE = '/api/marketing/campaigns';
const CONTROLS = {
  draft: ['archive'],
  scheduled: ['cancel', 'archive'],
  active: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  completed: ['archive'],
  cancelled: ['archive'],
  archived: [],
};
const RECORD_STATUSES = ['pending', 'sent', 'delivered', 'failed', 'opened', 'clicked', 'converted', 'skipped', 'simulated', 'uncertain'];
const CHANNELS = ['email', 'sms', 'push_notification', 'wechat', 'webhook'];

export function CampaignDetail({ id }) {
  const campaign = useLoad(() => get(`${BASE}/${encodeURIComponent(id)}`), [id]);
  const [simulation, setSimulation] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const c = campaign.data;
  if (!c) return campaign.error ? html`<p class="error" role="alert">${campaign.error.message}</p>` : html`<${Loading} />`;
  const write = can('marketing:write');

  async function act(path, body) {
    setBusy(true);
    setError(null);
    try {
      const res = await post(`${BASE}/${encodeURIComponent(id)}/${path}`, body);
      if (path === 'trigger' && body.execution_type === 'simulation') setSimulation(res.execution_id);
      await campaign.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const triggerable = !c.execution_id && (c.status === 'draft' || c.status === 'scheduled');
  return html`<section>
    <div class="title-row">
      <h1>${c.name}</h1>
      <${Status} value=${c.status} />
    </div>
    <dl class="facts">
      <dt>${t('Channel')}</dt>
      <dd>${t(`channel.${c.type}`)}</dd>
      <dt>${t('Target tags')}</dt>
      <dd>${c.target_tags.join(', ') || '—'}</dd>
      <dt>${t('Segment')}</dt>
      <dd>${c.target_segment_id ?? '—'}</dd>
      <dt>${t('Start')}</dt>
      <dd>${fmtDateTime(c.start_time)}</dd>
      <dt>${t('End')}</dt>
      <dd>${fmtDateTime(c.end_time)}</dd>
      <dt>${t('Created')}</dt>
      <dd>${fmtDateTime(c.created_at)} · ${c.created_by ?? ''}</dd>
    </dl>
    ${
      write
        ? html`<div class="actions" role="group" aria-label=${t('Actions')}>
            ${
              triggerable
                ? html`<button type="button" class="primary" disabled=${busy} onClick=${() => act('trigger', { execution_type: 'actual' })}>
                    ${t('Trigger')}
                  </button>`
                : null
            }
            <button type="button" disabled=${busy} onClick=${() => act('trigger', { execution_type: 'simulation' })}>
              ${t('Simulate')}
            </button>
            ${
              c.status === 'draft'
                ? html`<a class="button" href=${`#/experiments/new?campaign=${encodeURIComponent(c.id)}`}>${t('A/B test')}</a>`
                : null
            }
            ${CONTROLS[c.status].map(
              (a) =>
                html`<button type="button" disabled=${busy} class=${a === 'cancel' ? 'danger' : ''} onClick=${() => act(a)}>
                  ${t(`action.${a}`)}
                </button>`,
            )}
          </div>`
        : null
    }
    <${FormError} error=${error} />
    ${write ? html`<${CampaignPreview} campaign=${c} />` : null}
    ${c.execution_id || c.status !== 'draft' ? html`<${Progress} id=${id} onChange=${campaign.reload} status=${c.status} />` : null}
    ${simulation ? html`<${Progress} id=${id} executionId=${simulation} title=${t('Simulation')} />` : null}
    ${c.execution_id ? html`<${Funnel} key=${`funnel-${c.status}`} id=${id} />` : null}
    <${Records} key=${`records-${c.status}`} id=${id} />
  </section>`;
}

/** Live progress: polled every second while the execution runs. */
function Progress({ id, executionId, title, onChange, status }) {
  const [p, setP] = useState(null);
  const [done, setDone] = useState(false);
  usePoll(
    async () => {
      const res = await get(`${BASE}/${encodeURIComponent(id)}/status${qs({ execution_id: executionId })}`);
      setP(res.execution);
      const finished = res.execution && (res.execution.state === 'completed' || res.execution.state === 'cancelled');
      if (res.status !== status && onChange) onChange();
      if (finished) setDone(true);
    },
    1000,
    !done,
  );
  if (!p) return null;
  const total = p.audienceSize ?? 0;
  const share = total ? p.processed / total : p.state === 'completed' ? 1 : 0;
  // One string: htm drops the spaces around line breaks inside a template.
  const counts = [
    t('{processed} of {total} processed', { processed: fmtNumber(p.processed), total: fmtNumber(p.audienceSize) }),
    `${t('sent')} ${fmtNumber(p.sent)}`,
    `${t('failed')} ${fmtNumber(p.failed)}`,
    `${t('skipped')} ${fmtNumber(p.skipped)}`,
    p.ratePerSecond != null ? t('{rate}/s', { rate: fmtNumber(Math.round(p.ratePerSecond * 10) / 10) }) : null,
    p.etaSeconds != null && p.state === 'running' ? `${t('ETA')} ${fmtDuration(p.etaSeconds)}` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const reasons = Object.entries(p.reasons ?? {})
    .map(([r, n]) => `${r} ${fmtNumber(n)}`)
    .join(', ');
  return html`<section class="card" aria-labelledby=${`progress-${executionId ?? 'actual'}`}>
    <h2 id=${`progress-${executionId ?? 'actual'}`}>
      ${title ?? t('Progress')} · <span data-testid="progress-state">${t(`state.${p.state}`)}</span>
    </h2>
    <progress max="1" value=${share} aria-label=${t('Progress')}>${fmtPercent(share)}</progress>
    <p>${counts}</p>
    ${p.deferred ? html`<p class="warn">${t('{n} waiting for quiet hours to end, the first at {at}', { n: fmtNumber(p.deferred), at: fmtDateTime(p.deferredUntil) })}</p>` : null}
    ${reasons ? html`<p class="muted">${`${t('Skipped because')}: ${reasons}`}</p>` : null}
  </section>`;
}

function Funnel({ id }) {
  const funnel = useLoad(() => get(`/api/analytics/funnel${qs({ campaign_id: id })}`), [id]);
  const group = funnel.data?.groups?.[0];
  if (!group) return null;
  return html`<section class="card">
    <h2>${t('Funnel')}</h2>
    <${ChartBox}
      type="bar"
      label=${t('Funnel') + ': ' + group.stages.map((s) => `${t(`stage.${s.stage}`)} ${s.count}`).join(', ')}
      data=${{
        labels: group.stages.map((s) => t(`stage.${s.stage}`)),
        datasets: [{ label: t('Customers'), data: group.stages.map((s) => s.count), backgroundColor: COLORS[0] }],
      }}
      options=${{ indexAxis: 'y', plugins: { legend: { display: false } } }}
    />
    <table class="compact">
      <thead>
        <tr>
          <th>${t('Stage')}</th>
          <th>${t('Count')}</th>
          <th>${t('Of sent')}</th>
        </tr>
      </thead>
      <tbody>
        ${group.stages.map(
          (s) =>
            html`<tr>
              <td>${t(`stage.${s.stage}`)}</td>
              <td>${fmtNumber(s.count)}</td>
              <td>${fmtRate(s.of_sent)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function Records({ id }) {
  const [filter, setFilter] = useState({ status: '', channel: '', page: 1 });
  const records = useLoad(
    () => get(`/api/marketing/records${qs({ campaign_id: id, ...filter, page_size: 20 })}`),
    [id, JSON.stringify(filter)],
  );
  const set = (k) => (e) => setFilter({ ...filter, [k]: e.currentTarget.value, page: 1 });
  return html`<section class="card">
    <div class="title-row">
      <h2>${t('Records')}</h2>
      <button type="button" onClick=${records.reload}>${t('Refresh')}</button>
    </div>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label=${t('Record status')} name="status" error=${records.error}>
        <select value=${filter.status} onChange=${set('status')}>
          <option value="">${t('Any')}</option>
          ${RECORD_STATUSES.map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
        </select>
      </${Field}>
      <${Field} label=${t('Channel')} name="channel" error=${records.error}>
        <select value=${filter.channel} onChange=${set('channel')}>
          <option value="">${t('Any')}</option>
          ${CHANNELS.map((s) => html`<option value=${s}>${t(`channel.${s}`)}</option>`)}
        </select>
      </${Field}>
    </form>
    ${
      records.data
        ? html`<table data-testid="records">
              <thead>
                <tr>
                  <th>${t('Customer')}</th>
                  <th>${t('Channel')}</th>
                  <th>${t('Status')}</th>
                  <th>${t('Sent')}</th>
                  <th>${t('Opened')}</th>
                  <th>${t('Error')}</th>
                </tr>
              </thead>
              <tbody>
                ${records.data.records.map(
                  (r) =>
                    html`<tr>
                      <td><a href=${`#/customers/${encodeURIComponent(r.customer_id)}`}>${r.customer_id}</a></td>
                      <td>${t(`channel.${r.channel}`)}</td>
                      <td><${Status} value=${r.status} /></td>
                      <td>${fmtDateTime(r.sent_at)}</td>
                      <td>${fmtDateTime(r.opened_at)}</td>
                      <td>${r.error_message ?? ''}</td>
                    </tr>`,
                )}
                ${
                  records.data.records.length
                    ? null
                    : html`<tr>
                        <td colspan="6" class="muted">${t('No records.')}</td>
                      </tr>`
                }
              </tbody>
            </table>
            <${Pager} pagination=${records.data.pagination} onPage=${(page) => setFilter({ ...filter, page })} />`
        : records.error
          ? html`<p class="error">${records.error.message}</p>`
          : html`<${Loading} />`
    }
  </section>`;
}

/** The message for one of the audience (the first customer with the first tag, to start with). */
function CampaignPreview({ campaign }) {
  const tag = campaign.target_tags[0];
  const first = useLoad(
    async () => (tag ? ((await get(`/api/customers${qs({ tag, page_size: 1 })}`)).customers[0]?.id ?? '') : ''),
    [campaign.id, tag],
  );
  return html`<details class="card" open=${campaign.status === 'draft'}>
    <summary><h2 class="inline-heading">${t('Preview')}</h2></summary>
    <${Preview} path=${`${BASE}/${encodeURIComponent(campaign.id)}/preview`} suggest=${first.data ?? ''} />
  </details>`;
}
