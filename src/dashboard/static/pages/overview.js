// The overview: messages per day by channel and opens, clicks, conversions and revenue per day over a
// chosen range (GET /api/analytics/funnel?group_by=day, per channel), running campaigns with live progress,
// and the journeys with their runs per step.
import { useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { fmtDay, fmtNumber, fmtRate, t } from '../i18n.js';
import { ChartBox, COLORS, Field, FormError, Loading, html, useLoad, usePoll } from '../ui.js';

const CHANNELS = ['email', 'sms', 'push', 'wechat', 'webhook'];
const DAY = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** The UTC days of [from, to). */
function days(from, to) {
  const out = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d < Date.parse(`${to}T00:00:00Z`); d += DAY) out.push(isoDay(d));
  return out;
}

export function Overview() {
  const [range, setRange] = useState({ from: isoDay(Date.now() - 13 * DAY), to: isoDay(Date.now() + DAY) });
  const period = { from: `${range.from}T00:00:00Z`, to: `${range.to}T00:00:00Z` };
  const stats = useLoad(async () => {
    const [all, ...perChannel] = await Promise.all([
      get(`/api/analytics/funnel${qs({ ...period, group_by: 'day' })}`),
      ...CHANNELS.map((channel) => get(`/api/analytics/funnel${qs({ ...period, channel, group_by: 'day' })}`)),
    ]);
    const channels = await get(`/api/analytics/channels${qs(period)}`);
    return { all, perChannel, channels };
  }, [range.from, range.to]);

  const labels = days(range.from, range.to);
  const count = (groups, day, stage) => groups.find((g) => g.key === day)?.stages.find((s) => s.stage === stage)?.count ?? 0;
  const set = (k) => (e) => setRange({ ...range, [k]: e.currentTarget.value });

  return html`<section>
    <h1>${t('Overview')}</h1>
    <form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label=${t('Range')}>
      <${Field} label=${t('From (UTC day)')} name="from" error=${stats.error}><input type="date" value=${range.from} onChange=${set('from')} /></${Field}>
      <${Field} label=${t('To (UTC day, excluded)')} name="to" error=${stats.error}><input type="date" value=${range.to} onChange=${set('to')} /></${Field}>
    </form>
    <${FormError} error=${stats.error} fields=${['from', 'to']} />
    ${
      stats.data
        ? html`<div class="cards">
              ${[
                ['Sent', stats.data.channels.channels.reduce((a, c) => a + c.sent, 0)],
                ['Opened', stats.data.channels.channels.reduce((a, c) => a + c.opened, 0)],
                ['Clicked', stats.data.channels.channels.reduce((a, c) => a + c.clicked, 0)],
                ['Converted', stats.data.channels.channels.reduce((a, c) => a + c.converted, 0)],
                ['Revenue', stats.data.channels.channels.reduce((a, c) => a + c.revenue, 0)],
              ].map(([k, v]) => html`<div class="stat"><span>${t(k)}</span><strong>${fmtNumber(v)}</strong></div>`)}
            </div>
            <div class="grid2">
              <section class="card">
                <h2>${t('Messages per day by channel')}</h2>
                <${ChartBox}
                  type="bar"
                  label=${t('Messages per day by channel')}
                  data=${{
                    labels: labels.map(fmtDay),
                    datasets: CHANNELS.map((ch, i) => ({
                      label: t(`channel.${ch}`),
                      data: labels.map((d) => count(stats.data.perChannel[i].groups, d, 'sent')),
                      backgroundColor: COLORS[i],
                    })),
                  }}
                  options=${{ scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }}
                />
              </section>
              <section class="card">
                <h2>${t('Opens, clicks and conversions per day')}</h2>
                <${ChartBox}
                  type="line"
                  label=${t('Opens, clicks and conversions per day')}
                  data=${{
                    labels: labels.map(fmtDay),
                    datasets: [
                      ...['opened', 'clicked', 'converted'].map((stage, i) => ({
                        label: t(`stage.${stage}`),
                        data: labels.map((d) => count(stats.data.all.groups, d, stage)),
                        borderColor: COLORS[i + 1],
                        backgroundColor: COLORS[i + 1],
                        yAxisID: 'y',
                      })),
                      {
                        label: t('Revenue'),
                        data: labels.map((d) => stats.data.all.groups.find((g) => g.key === d)?.revenue ?? 0),
                        borderColor: COLORS[4],
                        backgroundColor: COLORS[4],
                        borderDash: [4, 4],
                        yAxisID: 'revenue',
                      },
                    ],
                  }}
                  options=${{ scales: { y: { beginAtZero: true }, revenue: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } } } }}
                />
              </section>
            </div>
            <section class="card">
              <h2>${t('Channels')}</h2>
              <table class="compact">
                <thead>
                  <tr>
                    <th>${t('Channel')}</th>
                    <th>${t('Sent')}</th>
                    <th>${t('Open rate')}</th>
                    <th>${t('Click rate')}</th>
                    <th>${t('Conversion rate')}</th>
                    <th>${t('Revenue')}</th>
                    <th>ROI</th>
                  </tr>
                </thead>
                <tbody>
                  ${stats.data.channels.channels.map(
                    (c) =>
                      html`<tr>
                        <td>${t(`channel.${c.channel}`)}</td>
                        <td>${fmtNumber(c.sent)}</td>
                        <td>${fmtRate(c.rates.open_rate)}</td>
                        <td>${fmtRate(c.rates.click_rate)}</td>
                        <td>${fmtRate(c.rates.conversion_rate)}</td>
                        <td>${fmtNumber(c.revenue)}</td>
                        <td>${c.roi == null ? '—' : `${fmtNumber(Math.round(c.roi))} %`}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </section>`
        : stats.loading
          ? html`<${Loading} />`
          : null
    }
    <${RunningCampaigns} />
    <${ActiveJourneys} />
  </section>`;
}

function RunningCampaigns() {
  const [rows, setRows] = useState(null);
  usePoll(
    async () => {
      const { campaigns } = await get('/api/marketing/campaigns?status=active&page_size=20');
      const withProgress = await Promise.all(
        campaigns.map(async (c) => ({ c, p: (await get(`/api/marketing/campaigns/${c.id}/status`).catch(() => null))?.execution })),
      );
      setRows(withProgress);
    },
    3000,
    true,
  );
  return html`<section class="card">
    <h2>${t('Running campaigns')}</h2>
    ${
      rows == null
        ? html`<${Loading} />`
        : rows.length
          ? html`<ul class="plain">
              ${rows.map(
                ({ c, p }) =>
                  html`<li>
                    <a href=${`#/campaigns/${c.id}`}>${c.name}</a>
                    <progress max=${p?.audienceSize || 1} value=${p?.processed ?? 0} aria-label=${`${t('Progress')} ${c.name}`}></progress>
                    ${fmtNumber(p?.processed)} / ${fmtNumber(p?.audienceSize)}
                  </li>`,
              )}
            </ul>`
          : html`<p class="muted">${t('No campaign is running.')}</p>`
    }
  </section>`;
}

function ActiveJourneys() {
  const journeys = useLoad(async () => {
    const { journeys } = await get('/api/journeys');
    return Promise.all(
      journeys
        .filter((j) => j.enabled)
        .map(async (j) => ({
          j,
          sent: (await get(`/api/analytics/funnel${qs({ journey_key: j.key, group_by: 'step' })}`)).groups,
          running: await get(`/api/journeys/${encodeURIComponent(j.key)}/steps`).catch(() => null),
        })),
    );
  }, []);
  return html`<section class="card">
    <h2>${t('Active journeys')}</h2>
    ${
      journeys.data
        ? html`<table class="compact">
            <thead>
              <tr>
                <th>${t('Journey')}</th>
                <th>${t('Version')}</th>
                <th>${t('Running now, per step')}</th>
                <th>${t('Messages sent per step')}</th>
              </tr>
            </thead>
            <tbody>
              ${journeys.data.map(
                ({ j, sent, running }) =>
                  html`<tr>
                    <td>${t(`journey.${j.key}`)}</td>
                    <td>${j.version}</td>
                    <td>
                      ${running ? `${fmtNumber(running.running)} (${running.steps.map((s) => `${s.step}: ${fmtNumber(s.running)}`).join(' · ')})` : '—'}
                    </td>
                    <td>
                      ${sent.length ? sent.map((g) => `${g.key?.split('/').pop()}: ${fmtNumber(g.stages[0].count)}`).join(' · ') : '—'}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : journeys.error
          ? html`<p class="error">${journeys.error.message}</p>`
          : html`<${Loading} />`
    }
  </section>`;
}
