// Journeys and flows: each journey's configuration version, on/off and step delays, its runs (with a run's
// steps done and next wake-up) and its funnel per step; the flows with activate/deactivate and their actions.
import { useState } from 'preact/hooks';
import { caller, can, get, post, put, qs } from '../api.js';
import { fmtDateTime, fmtNumber, fmtRate, t } from '../i18n.js';
import { FormError, Loading, Pager, html, useLoad, usePoll } from '../ui.js';

/** A step's delay as configured (`offset` seconds or a duration string), or its other timing fields. */
function delayOf(step) {
  for (const k of ['offset', 'delay', 'delay_hours', 'delay_days', 'after', 'wait']) if (step[k] != null) return `${k}: ${step[k]}`;
  return '—';
}

export function Journeys() {
  const journeys = useLoad(() => get('/api/journeys'), []);
  const flows = useLoad(() => get('/api/flows'), []);
  const [open, setOpen] = useState(null);
  const [error, setError] = useState(null);
  const write = can('marketing:write');

  async function toggleJourney(j) {
    setError(null);
    try {
      await put(`/api/journeys/${encodeURIComponent(j.key)}`, { enabled: !j.enabled });
      await journeys.reload();
    } catch (err) {
      setError(err);
    }
  }
  async function toggleFlow(f) {
    setError(null);
    try {
      await post(`/api/flows/${encodeURIComponent(f.id)}/${f.active ? 'deactivate' : 'activate'}`);
      await flows.reload();
    } catch (err) {
      setError(err);
    }
  }

  return html`<section>
    <h1>${t('Journeys and flows')}</h1>
    <${FormError} error=${error} />
    <h2>${t('Journeys')}</h2>
    ${
      journeys.data
        ? html`<table>
            <thead>
              <tr>
                <th>${t('Journey')}</th>
                <th>${t('Version')}</th>
                <th>${t('State')}</th>
                <th>${t('Steps')}</th>
                <th><span class="sr-only">${t('Actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              ${journeys.data.journeys.map(
                (j) =>
                  html`<tr data-journey=${j.key}>
                    <td>${t(`journey.${j.key}`)} <code>${j.key}</code></td>
                    <td data-testid="journey-version">${j.version} · ${fmtDateTime(j.createdAt)}</td>
                    <td data-testid="journey-state">${j.enabled ? t('On') : t('Off')}</td>
                    <td>${j.steps.map((s) => html`<span class="tag">${s.key ?? s.type ?? '?'} (${delayOf(s)})</span>`)}</td>
                    <td class="actions">
                      ${
                        write
                          ? html`<button
                              type="button"
                              aria-label=${`${j.enabled ? t('Turn off') : t('Turn on')}: ${t(`journey.${j.key}`)}`}
                              onClick=${() => toggleJourney(j)}
                            >
                              ${j.enabled ? t('Turn off') : t('Turn on')}
                            </button>`
                          : null
                      }
                      <button
                        type="button"
                        aria-label=${t('Runs of {name}', { name: t(`journey.${j.key}`) })}
                        aria-expanded=${open === j.key}
                        onClick=${() => setOpen(open === j.key ? null : j.key)}
                      >
                        ${t('Runs')}
                      </button>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<${Loading} />`
    }
    ${open ? html`<${JourneyRuns} key=${open} journeyKey=${open} />` : null}
    <h2>${t('Flows')}</h2>
    ${
      flows.data
        ? html`<table data-testid="flows">
            <thead>
              <tr>
                <th>${t('Name')}</th>
                <th>${t('Trigger')}</th>
                <th>${t('Version')}</th>
                <th>${t('Actions')}</th>
                <th>${t('State')}</th>
                <th><span class="sr-only">${t('Actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              ${flows.data.flows.map(
                (f) =>
                  html`<tr data-flow=${f.id}>
                    <td>${f.name}</td>
                    <td><code>${f.trigger_event}</code></td>
                    <td>${f.version}</td>
                    <td>
                      <ol class="inline-list">
                        ${f.actions.map((a) => html`<li>${a.type}${(a.delay ?? a.delay_hours ?? a.delay_days) ? ` (${a.delay ?? (a.delay_hours != null ? `${a.delay_hours} h` : `${a.delay_days} d`)})` : ''}</li>`)}
                      </ol>
                    </td>
                    <td data-testid="flow-state">${f.active ? t('Active') : t('Inactive')}</td>
                    <td class="actions">
                      ${write ? html`<button type="button" onClick=${() => toggleFlow(f)}>${f.active ? t('Deactivate') : t('Activate')}</button>` : null}
                      <button
                        type="button"
                        aria-label=${t('Runs of {name}', { name: f.name })}
                        aria-expanded=${open === `flow:${f.id}`}
                        onClick=${() => setOpen(open === `flow:${f.id}` ? null : `flow:${f.id}`)}
                      >
                        ${t('Runs')}
                      </button>
                    </td>
                  </tr>`,
              )}
              ${
                flows.data.flows.length
                  ? null
                  : html`<tr>
                      <td colspan="6" class="muted">${t('No flows yet.')}</td>
                    </tr>`
              }
            </tbody>
          </table>`
        : html`<${Loading} />`
    }
  </section>`;
}

function JourneyRuns({ journeyKey }) {
  const [page, setPage] = useState(1);
  const [run, setRun] = useState(null);
  const runs = useLoad(() => get(`/api/journeys/${encodeURIComponent(journeyKey)}/runs${qs({ page, page_size: 20 })}`), [journeyKey, page]);
  const isFlow = journeyKey.startsWith('flow:');
  const steps = useLoad(
    () =>
      get(
        `/api/analytics/funnel${qs(isFlow ? { flow_id: journeyKey.slice(5), group_by: 'step' } : { journey_key: journeyKey, group_by: 'step' })}`,
      ),
    [journeyKey],
  );
  // Visibility counts lag the runs a moment: looked up again every few seconds while the panel is open.
  const [running, setRunning] = useState(null);
  usePoll(async () => setRunning(await get(`/api/journeys/${encodeURIComponent(journeyKey)}/steps`).catch(() => null)), 3000, true);
  return html`<section class="card" aria-label=${t('Runs')}>
    <h3>${t('Runs of {name}', { name: journeyKey })}</h3>
    ${
      running
        ? html`<p data-testid="running-per-step">
            ${`${t('Running now: {n}', { n: fmtNumber(running.running) })} · ${running.steps.map((s) => `${s.step}: ${fmtNumber(s.running)}`).join(' · ')}`}
          </p>`
        : null
    }
    ${
      steps.data?.groups?.length
        ? html`<table class="compact">
            <caption>
              ${t('Funnel per step')}
            </caption>
            <thead>
              <tr>
                <th>${t('Step')}</th>
                <th>${t('Sent')}</th>
                <th>${t('Opened')}</th>
                <th>${t('Clicked')}</th>
                <th>${t('Converted')}</th>
              </tr>
            </thead>
            <tbody>
              ${steps.data.groups.map(
                (g) =>
                  html`<tr>
                    <td>${g.key}</td>
                    ${g.stages
                      .filter((s) => s.stage !== 'delivered')
                      .map((s) => html`<td>${fmtNumber(s.count)}${s.stage === 'sent' ? '' : ` (${fmtRate(s.of_sent)})`}</td>`)}
                  </tr>`,
              )}
            </tbody>
          </table>`
        : null
    }
    ${
      runs.data
        ? html`<table class="compact">
              <thead>
                <tr>
                  <th>${t('Customer')}</th>
                  <th>${t('Status')}</th>
                  <th>${t('Started')}</th>
                  <th>${t('Current step')}</th>
                  <th>${t('Next wake-up')}</th>
                </tr>
              </thead>
              <tbody>
                ${runs.data.runs.map(
                  (r) =>
                    html`<tr>
                      <td><a href=${`#/customers/${encodeURIComponent(r.customerId)}`}>${r.customerId}</a></td>
                      <td><button type="button" class="link" onClick=${() => setRun(r.workflowId)}>${r.status}</button></td>
                      <td>${fmtDateTime(r.startedAt)}</td>
                      <td>${r.state?.currentStep ?? '—'}</td>
                      <td>${fmtDateTime(r.state?.nextWakeUp)}</td>
                    </tr>`,
                )}
                ${
                  runs.data.runs.length
                    ? null
                    : html`<tr>
                        <td colspan="5" class="muted">${t('No runs yet.')}</td>
                      </tr>`
                }
              </tbody>
            </table>
            <${Pager} pagination=${runs.data.pagination} onPage=${setPage} />`
        : runs.error
          ? html`<p class="error">${runs.error.message}</p>`
          : html`<${Loading} />`
    }
    ${run ? html`<${RunTimeline} workflowId=${run} />` : null}
  </section>`;
}

function RunTimeline({ workflowId }) {
  const run = useLoad(() => get(`/api/journeys/runs/${encodeURIComponent(workflowId)}`), [workflowId]);
  if (!run.data) return run.error ? html`<p class="error">${run.error.message}</p>` : html`<${Loading} />`;
  const r = run.data.run;
  const done = r.state?.completed ?? [];
  const ui = caller.me?.temporal_ui;
  const link = ui
    ? `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(r.workflowId)}/${encodeURIComponent(r.runId)}/history`
    : null;
  return html`<section class="card" aria-label=${t('Run')}>
    <h4>${t('Run')} <code>${r.workflowId}</code> · ${r.status}</h4>
    ${link ? html`<p><a href=${link} target="_blank" rel="noopener">${t('Open in the Temporal UI')}</a></p>` : null}
    <ol class="timeline">
      ${done.map((s) => html`<li>${s.step} · <span class=${`badge badge-${s.status}`}>${t(`status.${s.status}`)}</span>${s.reason ? ` (${s.reason})` : ''}</li>`)}
      ${r.state?.currentStep ? html`<li><strong>${t('Next')}</strong>: ${r.state.currentStep} · ${fmtDateTime(r.state.nextWakeUp)}</li>` : null}
    </ol>
  </section>`;
}
