/** Public surface of the controller runtime. */
export * from './backoff.js';
export * from './cache.js';
export * from './controller.js';
export * from './informer.js';
export * from './manager.js';
export * from './mappers.js';
export * from './metrics.js';
export * from './rate-limiter.js';
export * from './reconciler.js';
export * from './work-queue.js';
