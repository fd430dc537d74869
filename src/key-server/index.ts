export { startKeyServer, type KeyServer, type KeyServerOptions } from './http-server.js';
export { answerSpekeRequest, RequestRejected, type AnswerContext } from './speke-answer.js';
export { deriveContentKey } from './key-derivation.js';
export { readSecretFile, secretBytes, MIN_SECRET_BYTES, SECRET_ENV } from './server-secret.js';
export { REQUEST_LIMITS } from './request-limits.js';
export { answerClearKeyLicense, type LicenseContext } from './clearkey-license.js';
export { IssuedKeys, type IssuedKey } from './issued-keys.js';
