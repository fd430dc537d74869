// Public surface of segcrypt. Only re-exports live here.
export * from './errors.js';
export * from './keys/index.js';
export * from './key-server/index.js';
export * from './api/index.js';
