// What a message of each campaign type renders: the template parts a type needs, how inline content becomes
// those Liquid parts, and the check that they parse. Campaigns and stored templates share it. No I/O here;
// Liquid is, so workflow code does not import this module.
import type { ChannelName } from '../domain/channels.js';
import type { CampaignType } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { validateTemplate } from './render.js';

export const CAMPAIGN_TYPES = ['email', 'sms', 'push_notification', 'wechat', 'webhook'] as const satisfies readonly CampaignType[];
/** The channel (and consent key) a campaign type sends on. */
export const channelOf = (type: CampaignType): ChannelName => (type === 'push_notification' ? 'push' : type);
/** The campaign type of a channel (a record's `channel` as the API names it). */
export const typeOf = (channel: ChannelName): CampaignType => (channel === 'push' ? 'push_notification' : channel);

/**
 * The template parts each type renders. WeChat's are `template_id`, `url` and any number of data keys
 * (`first`, `keyword1`, `remark`… as the WeChat template names them): `*` stands for those.
 */
export const CAMPAIGN_PARTS: Record<CampaignType, readonly string[]> = {
  email: ['subject', 'html', 'text'],
  sms: ['text'],
  push_notification: ['title', 'body', 'data'],
  wechat: ['template_id', 'url', '*'],
  webhook: ['body'],
};

/** A WeChat data key as templates name them: letters, digits and _, starting with a letter. */
const WECHAT_DATA_KEY = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/** One channel's inline content: the message as a string, or its parts. */
export type PartsContent = string | Record<string, string>;
/** A campaign's inline content: its channel's (one channel), or each channel's by type (several). */
export type CampaignContent = PartsContent | Partial<Record<CampaignType, PartsContent>>;

/** A campaign's channels in order: `type` alone, or the several it names (the first being `type`). */
export const campaignChannels = (c: { type: CampaignType; channels?: CampaignType[] | null }): CampaignType[] =>
  c.channels?.length ? c.channels : [c.type];

/**
 * The parts of each of a campaign's channels, in its order: one channel renders `content` as it is, several
 * take each channel's from `content.<type>`. Throws a DomainError naming the field (`content.sms`,
 * `content.email.subject`) that is missing, unknown or not a message.
 */
export function channelParts(
  c: { type: CampaignType; name: string; channels?: CampaignType[] | null },
  content: CampaignContent,
): Array<{ type: CampaignType; parts: Record<string, string> }> {
  const types = campaignChannels(c);
  if (types.length === 1) return [{ type: c.type, parts: campaignParts(c.type, c.name, content as PartsContent) }];
  if (typeof content === 'string' || content === null || typeof content !== 'object')
    throw contentError(
      'content',
      `a campaign on several channels gives each channel's content: { ${types.map((t) => `${t}: …`).join(', ')} }`,
    );
  const byType = content as Record<string, unknown>;
  for (const key of Object.keys(byType))
    if (!types.includes(key as CampaignType))
      throw contentError(`content.${key}`, `content.${key}: the campaign's channels are ${types.join(', ')}`);
  return types.map((type) => {
    const own = byType[type];
    if (own === undefined || own === null) throw contentError(`content.${type}`, `content.${type}: the ${type} channel needs its content`);
    if (typeof own !== 'string' && (typeof own !== 'object' || Object.values(own).some((v) => typeof v !== 'string')))
      throw contentError(`content.${type}`, `content.${type}: a string or the message's parts`);
    return { type, parts: campaignParts(type, c.name, own as PartsContent, `content.${type}`) };
  });
}

/**
 * The Liquid parts one message of this campaign renders, from its inline content or its template's parts.
 * A plain string is the message: an email's text (its HTML the same text, escaped, with line breaks), an
 * SMS, a push body (titled with the campaign's name) or a webhook body. Throws a DomainError naming the
 * part that is missing or unknown.
 */
export function campaignParts(type: CampaignType, name: string, content: PartsContent, field = 'content'): Record<string, string> {
  if (typeof content === 'string') {
    switch (type) {
      case 'email':
        return { subject: name, text: content, html: textToHtml(content) };
      case 'sms':
        return { text: content };
      case 'push_notification':
        return { title: name, body: content };
      case 'wechat':
        throw contentError(field, 'a wechat message needs parts: { template_id, <data key>: … }, not one string');
      case 'webhook':
        return { body: content };
    }
  }
  const allowed = CAMPAIGN_PARTS[type];
  for (const [key, value] of Object.entries(content)) {
    if (typeof value !== 'string') throw contentError(`${field}.${key}`, `${field}.${key}: a part is a string (Liquid)`);
    if (allowed.includes('*') && WECHAT_DATA_KEY.test(key)) continue;
    if (key === '*' || !allowed.includes(key))
      throw contentError(`${field}.${key}`, `a ${type} campaign's content has no part "${key}" (parts: ${allowed.join(', ')})`);
  }
  switch (type) {
    case 'email': {
      if (!content.subject) throw contentError(`${field}.subject`, 'an email needs a subject');
      if (!content.html && !content.text) throw contentError(`${field}.text`, 'an email needs text or html');
      return { subject: content.subject, text: content.text ?? '', html: content.html ?? textToHtml(content.text!) };
    }
    case 'sms':
      if (!content.text) throw contentError(`${field}.text`, 'an SMS needs text');
      return { text: content.text };
    case 'push_notification':
      if (!content.body) throw contentError(`${field}.body`, 'a push notification needs a body');
      return { title: content.title ?? name, body: content.body, ...(content.data ? { data: content.data } : {}) };
    case 'wechat':
      if (!content.template_id) throw contentError(`${field}.template_id`, 'a wechat message needs the template_id of its WeChat template');
      return content;
    case 'webhook':
      return { body: content.body ?? '' };
  }
}

/** Content that cannot make a message: a 422 `validation_error` naming the part. */
const contentError = (field: string, message: string) => new DomainError('validation_error', message, field, 422);

/** Checks that every part parses as Liquid and is within the limits of templates (render.ts); throws a DomainError naming the part. */
export function checkParts(parts: Record<string, string>, prefix: string): void {
  for (const [part, source] of Object.entries(parts)) {
    const problem = validateTemplate(source);
    if (problem) throw contentError(`${prefix}.${part}`, `${prefix}.${part} is not a template that can be sent: ${problem}`);
  }
}

/** Liquid source for an HTML body from plain text: each output stays escaped; line breaks become <br>. */
function textToHtml(text: string): string {
  // Only the literal text around {{ }} / {% %} is escaped here; the engine escapes what the tags output.
  return text
    .split(/(\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\})/)
    .map((piece, i) => (i % 2 ? piece : piece.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>\n')))
    .join('');
}
