export { SpekeClient, defaultDrmSystems, SPEKE_USER_AGENT, type SpekeClientOptions } from './speke-client.js';
export { buildSpekeRequest, cpixScheme, HLS_AES128_SYSTEM_ID, type SpekeVersion, type VideoPreset, type AudioPreset, type RequestShape, type RequestPlan } from './speke-request.js';
export { parseAuthSpec, headerSignerFor, type SpekeAuth, type HeaderSigner } from './auth.js';
export { createSigV4Signer, NodeSha256, type SigV4Options, type SignableRequest } from './sigv4.js';
export { postWithRetry, serverMessage, checkTransportOptions, isLoopbackHost, DEFAULT_TRANSPORT, MAX_RETRIES, type TransportOptions, type HttpResponse } from './http-transport.js';
export { KeySetCache } from './key-cache.js';
export { VIDEO_PRESETS, AUDIO_PRESETS, parseVideoPreset, parseAudioPreset, checkContract, contractKeys, type ContractKey } from './presets.js';
