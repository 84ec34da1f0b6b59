export * from './runner.js';
export * from './worker-thread.js';
export * from './execution-providers.js';
