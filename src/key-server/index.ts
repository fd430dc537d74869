export { startKeyServer, type KeyServer, type KeyServerOptions } from './http-server.js';
export { answerSpekeRequest, RequestRejected, type AnswerContext } from './speke-answer.js';
export { deriveContentKey } from './key-derivation.js';
