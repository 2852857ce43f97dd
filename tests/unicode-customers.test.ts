// Tags, names and content are Unicode end to end, through the real stack: a customer tagged 新用户 is
// stored as tagged, a campaign and a segment by that tag find them, and a subject with Chinese and emoji
// arrives over SMTP as it was written.
import { describe, expect, it } from 'vitest';
import { useCampaignStack } from './helpers/campaigns-api.js';
import { uid } from './helpers/stack.js';
import { waitFor } from './helpers/wait.js';

const campaigns = useCampaignStack();
const api = (method: string, path: string, body?: unknown) => campaigns.stack.api(method, path, body);

/** A new customer named 李雷 🎉, tagged 新用户 through the API. */
async function newUser(tags = ['新用户', 'VIP', 'package_buyer']) {
  const id = uid('unicode');
  const email = `${id}@example.com`;
  const put = await api('PUT', `/api/customers/${id}`, { email, name: '李雷 🎉', tags });
  expect(put.status, JSON.stringify(put.body)).toBe(201);
  return { id, email, customer: put.body.customer };
}

describe('Unicode tags, names and content', () => {
  it('stores tags in any script, trimmed and NFC-normalised', async () => {
    const { id, customer } = await newUser(['新用户', 'VIP', 'package_buyer', ' cafe\u0301']);
    expect(customer).toMatchObject({ name: '李雷 🎉', tags: ['新用户', 'VIP', 'package_buyer', 'caf\u00e9'] });
    expect((await api('GET', `/api/customers/${id}`)).body.customer.tags).toEqual(['新用户', 'VIP', 'package_buyer', 'café']);

    const refused = await api('PUT', `/api/customers/${id}`, { tags: ['VIP', 'two words'] });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'validation_error', field: 'tags[1]' });
    expect((await api('GET', `/api/customers/${id}`)).body.customer.tags).toContain('新用户');
  });

  it('a campaign targeting 新用户 reaches them, its Chinese and emoji subject intact', async () => {
    const { email } = await newUser();
    const c = await campaigns.create({
      target_tags: ['新用户'],
      content: { subject: '新用户专享 🎁 {{ customer.name }}', text: '你好，{{ customer.first_name }}！' },
    });
    expect(c.target_tags).toEqual(['新用户']);
    const { done } = await campaigns.runActual(c.id);
    expect(done).toMatchObject({ state: 'completed', failed: 0 });
    const [mail] = await waitFor(() => {
      const found = campaigns.stack.mail.list().filter((m) => m.to.includes(email));
      return found.length ? found : null;
    }, 'the campaign email');
    expect(mail!.subject).toBe('新用户专享 🎁 李雷 🎉');
    expect(mail!.text.trim()).toBe('你好，李雷！');
  });

  it('a segment by the tag 新用户 has them as a member', async () => {
    const { id } = await newUser();
    const created = await api('POST', '/api/segments', { name: uid('新用户 segment'), rules: { has_tag: '新用户' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const members = await api('GET', `/api/segments/${created.body.id}/members?page_size=500`);
    expect(members.body.members.map((m: { customer_id: string }) => m.customer_id)).toContain(id);
  });

  it('a tag of a campaign or a segment follows the customers’ rule', async () => {
    const campaign = await api('POST', '/api/marketing/campaigns', { name: uid('c'), type: 'email', target_tags: ['a b'], content: 'Hi' });
    expect(campaign.status).toBe(422);
    expect(campaign.body.error).toMatchObject({ code: 'validation_error', field: 'target_tags[0]' });
    const segment = await api('POST', '/api/segments', { name: uid('s'), rules: { has_tag: 'a b' } });
    expect(segment.status).toBe(422);
    expect(segment.body.error.field).toBe('rules.has_tag');
  });
});
