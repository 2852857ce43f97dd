// A new A/B(/n) test of a draft campaign's message: name, goal, two or more variants with a subject each and
// an optional send time (the customer's local time of day), through POST /api/experiments. The API's errors
// show under the field they name (`variants[1].subject`, `campaign_id` …).
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { t } from '../i18n.js';
import { Field, FormError, html, useLoad } from '../ui.js';

const GOALS = ['open_rate', 'click_rate', 'conversion_rate', 'revenue_per_recipient'];
const MAX_VARIANTS = 8;
const variant = (i) => ({ key: String.fromCharCode(65 + i), subject: '', local_time: '' });

export function ExperimentNew() {
  const preset = new URLSearchParams(location.hash.split('?')[1] ?? '').get('campaign') ?? '';
  const drafts = useLoad(() => get('/api/marketing/campaigns?status=draft&page_size=200'), []);
  const [form, setForm] = useState({ name: '', campaign_id: preset, goal: 'open_rate' });
  const [variants, setVariants] = useState([variant(0), variant(1)]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const setVariant = (i, k) => (e) => setVariants(variants.map((v, j) => (j === i ? { ...v, [k]: e.currentTarget.value } : v)));

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/api/experiments', {
        name: form.name,
        campaign_id: form.campaign_id,
        goal: form.goal,
        variants: variants.map((v) => ({
          key: v.key,
          ...(v.subject ? { subject: v.subject } : {}),
          ...(v.local_time ? { send_at: { local_time: v.local_time } } : {}),
        })),
      });
      location.hash = '#/experiments';
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const shown = [
    'name',
    'campaign_id',
    'goal',
    ...variants.flatMap((_, i) => [`variants[${i}].key`, `variants[${i}].subject`, `variants[${i}].send_at`]),
  ];
  return html`<section>
    <h1>${t('New experiment')}</h1>
    <form class="stack" onSubmit=${submit} aria-label=${t('New experiment')}>
      <div class="grid2">
        <${Field} label=${t('Name')} name="name" error=${error}>
          <input value=${form.name} onInput=${set('name')} required />
        </${Field}>
        <${Field} label=${t('Goal')} name="goal" error=${error}>
          <select value=${form.goal} onChange=${set('goal')}>
            ${GOALS.map((g) => html`<option value=${g}>${t(`goal.${g}`)}</option>`)}
          </select>
        </${Field}>
      </div>
      <${Field} label=${t('Draft campaign')} name="campaign_id" error=${error} hint=${t('The variants replace its subject; the first is the control.')}>
        <select value=${form.campaign_id} onChange=${set('campaign_id')} required>
          <option value="">${t('Choose…')}</option>
          ${(drafts.data?.campaigns ?? []).map((c) => html`<option value=${c.id}>${c.name} (${t(`channel.${c.type}`)})</option>`)}
        </select>
      </${Field}>
      ${variants.map(
        (v, i) =>
          html`<fieldset data-testid="variant">
            <legend>${t('Variant {key}', { key: v.key })}${i === 0 ? ` (${t('control')})` : ''}</legend>
            <div class="grid2">
              <${Field} label=${`${t('Subject')} (${v.key})`} name=${`variants[${i}].subject`} error=${error}>
                <input value=${v.subject} onInput=${setVariant(i, 'subject')} />
              </${Field}>
              <${Field}
                label=${`${t('Send at (local time)')} (${v.key})`}
                name=${`variants[${i}].send_at`}
                error=${error}
                hint=${t('Optional, HH:MM in the time zone of each customer')}
              >
                <input value=${v.local_time} placeholder="20:00" onInput=${setVariant(i, 'local_time')} />
              </${Field}>
            </div>
            ${
              variants.length > 2
                ? html`<button
                    type="button"
                    onClick=${() => setVariants(variants.filter((_, j) => j !== i).map((w, j) => ({ ...w, key: String.fromCharCode(65 + j) })))}
                  >
                    ${t('Remove variant {key}', { key: v.key })}
                  </button>`
                : null
            }
          </fieldset>`,
      )}
      <${FormError} error=${error} fields=${shown} />
      <div class="actions">
        <button type="button" disabled=${variants.length >= MAX_VARIANTS} onClick=${() => setVariants([...variants, variant(variants.length)])}>
          ${t('Add variant')}
        </button>
        <button type="submit" class="primary" disabled=${busy}>${t('Start experiment')}</button>
      </div>
    </form>
  </section>`;
}
