export * from './birthday.js';
export * from './cart-recovery.js';
export * from './churn-win-back.js';
export * from './flow.js';
export * from './insights-refresh.js';
export * from './campaign.js';
export * from './tier-upgrade.js';
export * from './welcome.js';
