export * from './runner.js';
export * from './worker-thread.js';
