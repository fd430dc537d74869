import { createRequire } from 'node:module';

type FastXml = typeof import('fast-xml-parser');
let lib: FastXml | undefined;

/**
 * fast-xml-parser, loaded on first use through its CommonJS build: ~10 ms, against ~50 ms and
 * ~10 MB for its ESM module graph at start-up, which every CLI run paid even when it read no XML.
 */
export function fastXml(): FastXml {
  lib ??= createRequire(import.meta.url)('fast-xml-parser') as FastXml;
  return lib;
}
