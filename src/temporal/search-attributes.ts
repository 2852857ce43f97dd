import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Safe to import from workflow code. Every journey carries these, so the Temporal UI can list
// "all journeys of customer X" (CustomerId="X") or "every welcome journey" (JourneyKey="welcome").
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const JourneyKeyKey = defineSearchAttributeKey('JourneyKey', SearchAttributeType.KEYWORD);
export const JourneyStepKey = defineSearchAttributeKey('JourneyStep', SearchAttributeType.KEYWORD);
export const CampaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [CustomerIdKey, JourneyKeyKey, JourneyStepKey, CampaignIdKey];
