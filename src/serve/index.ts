export { startServe, type ServeOptions, type Serving } from './serve.js';
export { readKeyServerRecord, writeKeyServerRecord, RECORD_FILE, SECRET_FILE, type KeyServerRecord } from './key-server-record.js';
export { describeDash, describeHls, type PackageInfo } from './package-listing.js';
export { resolvePlayerLibs, PLAYERS_INSTALL } from './player-libs.js';
