export * from './welcome.js';
