// A journey's email touch in one activity: pacing's reservation, the step's coupon and the send, each
// idempotent by the step's message key, so a retry of the whole finds what an earlier attempt did. One
// activity (and one workflow task) per message instead of three; the workflow sleeps only when pacing
// defers the touch, and asks again when its timer fires.
import { createCouponActivities } from '../coupons/coupon.activities.js';
import type { IssuedCoupon } from '../coupons/code.js';
import type { SendResult } from '../delivery/message-record.js';
import { createMessageActivities, type SendEmailInput } from '../delivery/message.activities.js';
import { createPacingActivities, type Reservation, type ReserveInput } from '../delivery/pacing.activities.js';
import type { ActivityDeps } from '../worker/activities.js';

export interface EmailTouchInput extends ReserveInput {
  template: SendEmailInput['template'];
  vars: Record<string, unknown>;
  /** The step's coupon, issued once before the send (templates see {{ coupon.code }}). */
  coupon?: { percentOff: number; validDays: number };
}

/** Sent (or skipped, failed, uncertain) as the send activity answers; or not yet, as pacing answers. */
export type EmailTouchResult = SendResult | Exclude<Reservation, { status: 'reserved' }>;

export function createTouchActivities(deps: ActivityDeps) {
  const { reserveTouch } = createPacingActivities(deps);
  const { issueCoupon } = createCouponActivities(deps);
  const { sendEmail } = createMessageActivities(deps);
  return {
    /** Reserves the touch under pacing; when it may go, issues the step's coupon and sends the email. */
    async sendEmailTouch(input: EmailTouchInput): Promise<EmailTouchResult> {
      const { template, vars, coupon: couponStep, ...reserve } = input;
      const reservation = await reserveTouch(reserve);
      if (reservation.status !== 'reserved') return reservation;
      const common = {
        idempotencyKey: input.idempotencyKey,
        customerId: input.customerId,
        journeyKey: input.journeyKey,
        stepKey: input.stepKey,
      };
      const coupon: IssuedCoupon | undefined = couponStep ? await issueCoupon({ ...common, ...couponStep }) : undefined;
      return sendEmail({
        ...common,
        journeyVersion: input.journeyVersion,
        workflowId: input.workflowId,
        template,
        vars: coupon ? { ...vars, coupon } : vars,
      });
    },
  };
}
