export * from './cart-recovery.js';
export * from './welcome.js';
