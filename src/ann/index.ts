export * from './evaluate.js';
export * from './normalization.js';
export * from './session.js';
