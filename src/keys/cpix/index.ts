export * from './cpix-model.js';
export { parseCpix } from './parse-cpix.js';
export { buildCpix } from './build-cpix.js';
export { keySetFromCpix, type CpixKeyOptions } from './keyset-from-cpix.js';
export { newDeliverySecrets, sealDeliveryData, sealContentKey, openDeliveryData, openContentKey, type DeliverySecrets } from './key-delivery.js';
export { parseUntrustedXml, MAX_CPIX_BYTES } from './xml-guard.js';
export { CpixFile, type CpixFileOptions } from './cpix-file.js';
