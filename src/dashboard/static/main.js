// The dashboard's shell: sign-in with an API key, the navigation, the language switch and the hash routes.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, caller, session, whenUnauthorized } from './api.js';
import { LANGS, currentLang, setLang, t, timeZone } from './i18n.js';
import { Field, FormError, html } from './ui.js';
import { Overview } from './pages/overview.js';
import { CampaignList, CampaignNew } from './pages/campaigns.js';
import { CampaignDetail } from './pages/campaign.js';
import { CustomerList, CustomerProfile } from './pages/customers.js';
import { Journeys } from './pages/journeys.js';
import { Segments } from './pages/segments.js';
import { ExperimentDetail, ExperimentList } from './pages/experiments.js';
import { ExperimentNew } from './pages/experiment-new.js';

const NAV = [
  ['#/', 'Overview'],
  ['#/campaigns', 'Campaigns'],
  ['#/journeys', 'Journeys and flows'],
  ['#/segments', 'Segments'],
  ['#/experiments', 'Experiments'],
  ['#/customers', 'Customers'],
];

const ROUTES = [
  [/^\/$/, () => html`<${Overview} />`],
  [/^\/campaigns$/, () => html`<${CampaignList} />`],
  [/^\/campaigns\/new$/, () => html`<${CampaignNew} />`],
  [/^\/campaigns\/([^/]+)$/, (id) => html`<${CampaignDetail} id=${id} />`],
  [/^\/customers$/, () => html`<${CustomerList} />`],
  [/^\/customers\/([^/]+)$/, (id) => html`<${CustomerProfile} id=${id} />`],
  [/^\/journeys$/, () => html`<${Journeys} />`],
  [/^\/segments$/, () => html`<${Segments} />`],
  [/^\/experiments$/, () => html`<${ExperimentList} />`],
  [/^\/experiments\/new$/, () => html`<${ExperimentNew} />`],
  [/^\/experiments\/([^/]+)$/, (id) => html`<${ExperimentDetail} id=${id} />`],
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ onSignedIn }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api('GET', '/api/me', undefined, key.trim());
      session.set(key.trim());
      onSignedIn(me);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return html`<main class="signin">
    <h1>Touchpoint</h1>
    <form onSubmit=${submit} aria-label=${t('Sign in')}>
      <${Field} label=${t('API key')} name="authorization" error=${error} hint=${t('The key npm start printed (tp_…). It stays in this tab only.')}>
        <input type="password" autocomplete="off" required value=${key} onInput=${(e) => setKey(e.currentTarget.value)} />
      </${Field}>
      <${FormError} error=${error} fields=${['authorization']} />
      <button type="submit" class="primary" disabled=${busy}>${t('Sign in')}</button>
    </form>
    <${LangSwitch} />
  </main>`;
}

function LangSwitch({ onChange }) {
  return html`<label class="lang">
    <span>${t('Language')}</span>
    <select
      value=${currentLang()}
      onChange=${(e) => {
        setLang(e.currentTarget.value);
        if (onChange) onChange();
        else rerender();
      }}
    >
      ${LANGS.map((l) => html`<option value=${l.id}>${l.label}</option>`)}
    </select>
  </label>`;
}

function App() {
  const [me, setMe] = useState(null);
  const [checking, setChecking] = useState(!!session.key);
  const [, setTick] = useState(0);
  const hash = useHash();
  rerender = () => setTick((n) => n + 1);

  useEffect(() => {
    if (session.key) {
      api('GET', '/api/me')
        .then(setMe, () => session.clear())
        .finally(() => setChecking(false));
    }
    return whenUnauthorized(() => {
      session.clear();
      setMe(null);
    });
  }, []);

  if (checking) return html`<p class="muted">${t('Loading…')}</p>`;
  if (!me) return html`<${SignIn} onSignedIn=${setMe} />`;
  caller.me = me;

  const path = hash.replace(/^#/, '').split('?')[0] || '/';
  let page = html`<p>${t('Not found')}</p>`;
  for (const [re, view] of ROUTES) {
    const m = re.exec(path);
    if (m) {
      page = view(...m.slice(1).map(decodeURIComponent));
      break;
    }
  }
  const section = '#/' + (path.split('/')[1] ?? '');
  return html`<div class="layout">
    <a class="skip" href="#main">${t('Skip to content')}</a>
    <header class="top">
      <strong class="brand">Touchpoint</strong>
      <span class="who">${me.workspace.name} · ${t('key')} ${me.key.name} (${me.key.scopes.join(', ')})</span>
      <span class="tz">${t('Time zone')}: ${timeZone}</span>
      <${LangSwitch} />
      <button
        type="button"
        onClick=${() => {
          session.clear();
          setMe(null);
        }}
      >
        ${t('Sign out')}
      </button>
    </header>
    <nav class="side" aria-label=${t('Sections')}>
      <ul>
        ${NAV.map(
          ([href, label]) =>
            html`<li>
              <a href=${href} aria-current=${section === href || (href === '#/' && section === '#/') ? 'page' : undefined}>${t(label)}</a>
            </li>`,
        )}
      </ul>
    </nav>
    <main id="main" tabindex="-1">${page}</main>
  </div>`;
}

let rerender = () => {};
render(html`<${App} />`, document.getElementById('root'));
