// A message rendered for one customer as its send would render it, through the API's preview routes.
import { useEffect, useState } from 'preact/hooks';
import { post } from '../api.js';
import { t } from '../i18n.js';
import { Field, FormError, html } from '../ui.js';

/**
 * A message rendered for one customer, as a send would render it: `path` is POST /api/templates/:id/preview
 * or /api/marketing/campaigns/:id/preview; `suggest` a customer id to start with.
 */
export function Preview({ path, suggest = '' }) {
  const [customer, setCustomer] = useState(suggest);
  useEffect(() => {
    if (suggest && !customer) setCustomer(suggest);
  }, [suggest]);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  async function preview(e) {
    e?.preventDefault();
    setError(null);
    try {
      setResult(await post(path, { customer_id: customer.trim() }));
    } catch (err) {
      setResult(null);
      setError(err);
    }
  }
  return html`<div class="preview">
    <div class="inline">
      <${Field} label=${t('Preview for customer (id)')} name="customer_id" error=${error}>
        <input value=${customer} onInput=${(e) => setCustomer(e.currentTarget.value)} />
      </${Field}>
      <button type="button" onClick=${preview} disabled=${!customer}>${t('Preview')}</button>
    </div>
    <${FormError} error=${error} fields=${['customer_id']} />
    ${
      result
        ? html`<dl class="parts" data-testid="preview">
            ${Object.entries(result.parts).map(
              ([k, v]) =>
                html`<dt>${t(`part.${k}`)}</dt>
                  <dd>
                    ${k === 'html' ? html`<iframe title=${t('HTML preview')} sandbox="" srcdoc=${v}></iframe>` : html`<pre>${v}</pre>`}
                  </dd>`,
            )}
          </dl>`
        : null
    }
  </div>`;
}
