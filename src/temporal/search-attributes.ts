import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Safe to import from workflow code. Every journey carries these, so the Temporal UI can list
// "all journeys of customer X" (CustomerId="X") or "every welcome journey" (JourneyKey="welcome").
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const JourneyKeyKey = defineSearchAttributeKey('JourneyKey', SearchAttributeType.KEYWORD);
export const JourneyStepKey = defineSearchAttributeKey('JourneyStep', SearchAttributeType.KEYWORD);
export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
/** Set on every workflow: `WorkspaceId="shop-a" AND CustomerId="X"` lists one workspace's journeys of X. */
export const WorkspaceIdKey = defineSearchAttributeKey('WorkspaceId', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [CustomerIdKey, JourneyKeyKey, JourneyStepKey, CampaignIdKey, WorkspaceIdKey];
