export * from './birthday.js';
export * from './cart-recovery.js';
export * from './welcome.js';
