import type { MiddlewareHandler } from 'hono';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../domain/webhook-signature.js';
import type { AppEnv } from '../api/router.js';
import { DomainError } from '../domain/errors.js';

export const WEBHOOK_MAX_BYTES = 1024 * 1024;

const MESSAGES = {
  missing_signature: `${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} are required`,
  invalid_signature: 'the signature does not match the body and timestamp',
  stale_signature: 'the timestamp is more than 5 minutes from now',
} as const;

/**
 * Before anything reads the body as JSON: the provider must be known (404) and the raw body signed with its
 * secret (401). The body text stays cached for the JSON check and the validator after it.
 */
export const verifyDeliverySignature: MiddlewareHandler<AppEnv> = async (c, next) => {
  const provider = c.req.param('provider') ?? '';
  const secret = c.var.deps.deliveryFeedback.secret(provider);
  if (!secret)
    throw new DomainError(
      'unknown_provider',
      `no delivery webhook secret is configured for provider "${provider.slice(0, 40)}"`,
      undefined,
      404,
    );
  if (Number(c.req.header('content-length') ?? 0) > WEBHOOK_MAX_BYTES) {
    throw new DomainError('payload_too_large', `the limit is ${WEBHOOK_MAX_BYTES} bytes`, undefined, 413);
  }
  const body = await c.req.text();
  const failure = verifyWebhook(secret, { signature: c.req.header(SIGNATURE_HEADER), timestamp: c.req.header(TIMESTAMP_HEADER), body });
  if (failure) throw new DomainError(failure, MESSAGES[failure], undefined, 401);
  await next();
};
