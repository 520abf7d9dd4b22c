/** Public surface of the typed Kubernetes client. */
export * from './client.js';
export * from './errors.js';
export * from './label-selector.js';
export * from './request-counter.js';
export * from './resources.js';
export * from './transport.js';
export * from './types.js';
export * from './watch.js';
