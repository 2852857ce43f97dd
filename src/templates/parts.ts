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

export type CampaignContent = string | Record<string, string>;

/**
 * The Liquid parts one message of this campaign renders, from its inline content or its template's parts.
 * A plain string is the message: an email's text (its HTML the same text, escaped, with line breaks), an
 * SMS, a push body (titled with the campaign's name) or a webhook body. Throws a DomainError naming the
 * part that is missing or unknown.
 */
export function campaignParts(type: CampaignType, name: string, content: CampaignContent): Record<string, string> {
  if (typeof content === 'string') {
    switch (type) {
      case 'email':
        return { subject: name, text: content, html: textToHtml(content) };
      case 'sms':
        return { text: content };
      case 'push_notification':
        return { title: name, body: content };
      case 'wechat':
        throw contentError('content', 'a wechat message needs parts: { template_id, <data key>: … }, not one string');
      case 'webhook':
        return { body: content };
    }
  }
  const allowed = CAMPAIGN_PARTS[type];
  for (const key of Object.keys(content)) {
    if (allowed.includes('*') && WECHAT_DATA_KEY.test(key)) continue;
    if (key === '*' || !allowed.includes(key))
      throw contentError(`content.${key}`, `a ${type} campaign's content has no part "${key}" (parts: ${allowed.join(', ')})`);
  }
  switch (type) {
    case 'email': {
      if (!content.subject) throw contentError('content.subject', 'an email needs a subject');
      if (!content.html && !content.text) throw contentError('content.text', 'an email needs text or html');
      return { subject: content.subject, text: content.text ?? '', html: content.html ?? textToHtml(content.text!) };
    }
    case 'sms':
      if (!content.text) throw contentError('content.text', 'an SMS needs text');
      return { text: content.text };
    case 'push_notification':
      if (!content.body) throw contentError('content.body', 'a push notification needs a body');
      return { title: content.title ?? name, body: content.body, ...(content.data ? { data: content.data } : {}) };
    case 'wechat':
      if (!content.template_id) throw contentError('content.template_id', 'a wechat message needs the template_id of its WeChat template');
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
