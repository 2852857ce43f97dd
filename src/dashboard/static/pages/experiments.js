// Experiments: the list, and one experiment's results — each arm's rate with its confidence interval (an
// error-bar chart: the interval as a floating bar, the rate as a point), lift, p-value, the SRM check and
// the winner; stop and promote.
import { useState } from 'preact/hooks';
import { can, get, post } from '../api.js';
import { fmtDateTime, fmtDecimal, fmtNumber, fmtPercent, t } from '../i18n.js';
import { ChartBox, COLORS, Field, FormError, Loading, Status, html, useLoad } from '../ui.js';

const signed = (v, text) => `${v > 0 ? '+' : ''}${text}`;

/** Relative lift with its interval; the absolute difference (points) where the control's rate is 0. */
function lift(l) {
  if (!l) return '—';
  if (l.relative != null) {
    const ci = l.relativeCi ? ` [${fmtPercent(l.relativeCi.low)}, ${fmtPercent(l.relativeCi.high)}]` : '';
    return `${signed(l.relative, fmtPercent(l.relative))}${ci}`;
  }
  if (l.absolute != null) return `${signed(l.absolute, fmtDecimal(l.absolute * 100))} ${t('points')}`;
  return '—';
}

const pValue = (p) => (p == null ? '—' : p < 0.0001 ? '< 0.0001' : fmtDecimal(Math.round(p * 10000) / 10000));

/** A variant's send time as set (`{ local_time }`, `{ offset_minutes }` or `{ best_hour }`). */
function sendAt(at) {
  if (!at) return '';
  if (at.local_time) return ` · ${t('at {time} local time', { time: at.local_time })}`;
  if (at.offset_minutes != null) return ` · +${at.offset_minutes} min`;
  return at.best_hour ? ` · ${t('best hour of each customer')}` : '';
}

export function ExperimentList() {
  const list = useLoad(() => get('/api/experiments'), []);
  return html`<section>
    <div class="title-row">
      <h1>${t('Experiments')}</h1>
      ${can('marketing:write') ? html`<a class="button primary" href="#/experiments/new">${t('New experiment')}</a>` : null}
    </div>
    ${
      list.data
        ? html`<table data-testid="experiments">
            <thead>
              <tr>
                <th>${t('Name')}</th>
                <th>${t('Target')}</th>
                <th>${t('Variants')}</th>
                <th>${t('Goal')}</th>
                <th>${t('Status')}</th>
                <th>${t('Winner')}</th>
                <th>${t('Started')}</th>
              </tr>
            </thead>
            <tbody>
              ${list.data.experiments.map(
                (e) =>
                  html`<tr>
                    <td><a href=${`#/experiments/${encodeURIComponent(e.id)}`}>${e.name}</a></td>
                    <td>${t(`target.${e.target.type}`)}</td>
                    <td>
                      <ul class="inline-list">
                        ${e.variants.map((v) => html`<li><strong>${v.key}</strong>${v.subject ? ` · ${v.subject}` : ''}${sendAt(v.send_at)}</li>`)}
                      </ul>
                    </td>
                    <td>${t(`goal.${e.goal}`)}</td>
                    <td><${Status} value=${e.status} /></td>
                    <td>${e.winner ?? '—'}</td>
                    <td>${fmtDateTime(e.started_at)}</td>
                  </tr>`,
              )}
              ${
                list.data.experiments.length
                  ? null
                  : html`<tr>
                      <td colspan="7" class="muted">${t('No experiments yet.')}</td>
                    </tr>`
              }
            </tbody>
          </table>`
        : list.error
          ? html`<p class="error">${list.error.message}</p>`
          : html`<${Loading} />`
    }
  </section>`;
}

export function ExperimentDetail({ id }) {
  const exp = useLoad(() => get(`/api/experiments/${encodeURIComponent(id)}`), [id]);
  const results = useLoad(() => get(`/api/experiments/${encodeURIComponent(id)}/results`), [id]);
  const [variant, setVariant] = useState('');
  const [error, setError] = useState(null);
  const e = exp.data;
  const r = results.data;
  if (!e || !r)
    return exp.error || results.error
      ? html`<p class="error" role="alert">${(exp.error ?? results.error).message}</p>`
      : html`<${Loading} />`;
  const write = can('marketing:write');
  const analysis = r.analysis;
  const arms = analysis.arms;
  const srm = analysis.srm;

  async function act(path, body) {
    setError(null);
    try {
      await post(`/api/experiments/${encodeURIComponent(id)}/${path}`, body);
      await Promise.all([exp.reload(), results.reload()]);
    } catch (err) {
      setError(err);
    }
  }

  const withCi = arms.filter((a) => a.ci);
  return html`<section>
    <div class="title-row">
      <h1>${e.name}</h1>
      <${Status} value=${e.status} />
    </div>
    <dl class="facts">
      <dt>${t('Goal')}</dt>
      <dd>${t(`goal.${e.goal}`)} (${t('n counts customers')} ${t(`base.${r.base}`)})</dd>
      <dt>${t('Mode')}</dt>
      <dd>${e.mode} · α ${fmtDecimal(e.alpha)}</dd>
      <dt>${t('Holdout')}</dt>
      <dd>${fmtPercent(e.holdout)}</dd>
      <dt>${t('Winner')}</dt>
      <dd data-testid="winner">${r.winner ?? analysis.winner ?? t('none yet')}${r.winner_reason ? ` (${r.winner_reason})` : ''}</dd>
      <dt>${t('Decision')}</dt>
      <dd>${analysis.decision ?? '—'}</dd>
      <dt>${t('Sample size per arm')}</dt>
      <dd>${fmtNumber(r.sample_size.per_arm)}${r.sample_size.reached ? ` · ${t('reached')}` : ''}</dd>
    </dl>
    ${
      srm?.flagged
        ? html`<p class="warn" role="alert" data-testid="srm">
            ${t('Sample ratio mismatch: the arms are not the sizes their weights ask for (p = {p}). No winner is declared while it stands.', { p: srm.pValue.toExponential(2) })}
          </p>`
        : srm
          ? html`<p class="muted" data-testid="srm">${t('Sample ratio check passed (p = {p}).', { p: pValue(srm.pValue) })}</p>`
          : null
    }
    <section class="card">
      <h2>${t('Rates with confidence intervals')}</h2>
      ${
        withCi.length
          ? html`<${ChartBox}
              type="bar"
              label=${withCi.map((a) => `${a.key}: ${fmtPercent(a.rate)} [${fmtPercent(a.ci.low)}, ${fmtPercent(a.ci.high)}]`).join('; ')}
              data=${{
                labels: withCi.map((a) => a.key),
                datasets: [
                  {
                    type: 'bar',
                    label: t('Confidence interval'),
                    data: withCi.map((a) => [a.ci.low, a.ci.high]),
                    backgroundColor: withCi.map((_, i) => `${COLORS[i % COLORS.length]}55`),
                    borderColor: withCi.map((_, i) => COLORS[i % COLORS.length]),
                    borderWidth: 1,
                    barPercentage: 0.3,
                  },
                  {
                    type: 'line',
                    showLine: false,
                    label: t('Rate'),
                    data: withCi.map((a) => a.rate),
                    backgroundColor: '#111',
                    pointRadius: 5,
                  },
                ],
              }}
              options=${{ scales: { y: { beginAtZero: true, ticks: { format: { style: 'percent' } } } } }}
            />`
          : html`<p class="muted">${t('No results yet.')}</p>`
      }
      <table data-testid="arms">
        <thead>
          <tr>
            <th>${t('Variant')}</th>
            <th>n</th>
            <th>${t('Rate')}</th>
            <th>${t('95% interval')}</th>
            <th>${t('Lift')}</th>
            <th>p</th>
            <th>${t('Adjusted p')}</th>
            <th>${t('Significant')}</th>
          </tr>
        </thead>
        <tbody>
          ${arms.map(
            (a) =>
              html`<tr>
                <th scope="row">${a.key}${a.isControl ? ` (${t('control')})` : ''}</th>
                <td>${fmtNumber(a.n)}</td>
                <td>${fmtPercent(a.rate)}</td>
                <td>${a.ci ? `${fmtPercent(a.ci.low)} – ${fmtPercent(a.ci.high)}` : '—'}</td>
                <td>${lift(a.lift)}</td>
                <td>${pValue(a.pValue)}</td>
                <td>${pValue(a.adjustedPValue)}</td>
                <td>${a.significant ? t('yes') : t('no')}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    ${
      write && e.status === 'running'
        ? html`<div class="actions">
          <button type="button" class="danger" onClick=${() => act('stop')}>${t('Stop experiment')}</button>
          <form class="inline" onSubmit=${(ev) => (ev.preventDefault(), act('promote', { variant }))}>
            <${Field} label=${t('Variant to promote')} name="variant" error=${error}>
              <select value=${variant} onChange=${(ev) => setVariant(ev.currentTarget.value)}>
                <option value="">${t('Choose…')}</option>
                ${e.variants.map((v) => html`<option value=${v.key}>${v.key}${v.name ? ` · ${v.name}` : ''}</option>`)}
              </select>
            </${Field}>
            <button type="submit" disabled=${!variant}>${t('Promote')}</button>
          </form>
        </div>`
        : null
    }
    <${FormError} error=${error} fields=${['variant']} />
  </section>`;
}
