// A customer tag, as every place that takes one accepts it: a customer's tags, a campaign's target_tags, a
// segment's has_tag, a flow's add_tag. One rule, so that a tag a campaign or segment accepts is one a
// customer can have: letters and digits of any script (新用户, VIP, müsli), their combining marks, and
// `_ : . -`; trimmed and NFC-normalised, so the same word typed two ways is one tag.
import { z } from 'zod';

export const TAG_MAX_LENGTH = 64;
const TAG = /^[\p{L}\p{M}\p{N}_:.-]+$/u;

export const tagSchema = z
  .string()
  .trim()
  .normalize('NFC')
  .min(1, 'a tag is not empty')
  .max(TAG_MAX_LENGTH, `a tag has at most ${TAG_MAX_LENGTH} characters`)
  .regex(TAG, 'a tag is letters and digits of any script, and _ : . or -');
