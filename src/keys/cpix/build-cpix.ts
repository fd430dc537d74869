import { kidToUuid } from '../drm/guid.js';
import type { CpixDocument, CpixDrmSystem, CpixEncryptedValue, CpixUsageRule } from './cpix-model.js';
import { CPIX_NS, PSKC_NS, SPEKE_NS, XMLDSIG_NS, XMLENC_NS } from './cpix-model.js';

/**
 * Write a CPIX document, element order as in the CPIX 2.3 schema. `''` fields become empty
 * elements (request placeholders the key server fills). SPEKE v1 elements get the `speke:`
 * prefix and namespace.
 */
export function buildCpix(doc: CpixDocument): string {
  const usesSpeke = doc.drmSystems.some((d) => d.keyFormat !== undefined || d.keyFormatVersions !== undefined || d.protectionHeader !== undefined);
  const usesEnc = doc.deliveryData.some((d) => d.documentKey || d.macKey) || doc.contentKeys.some((k) => k.encryptedValue);
  const rootAttrs: [string, string | undefined][] = [
    ['id', doc.id], ['contentId', doc.contentId], ['version', doc.version],
    ['xmlns:cpix', CPIX_NS], ['xmlns:pskc', PSKC_NS],
    ['xmlns:speke', usesSpeke ? SPEKE_NS : undefined],
    ['xmlns:enc', usesEnc ? XMLENC_NS : undefined],
    ['xmlns:ds', doc.deliveryData.length > 0 ? XMLDSIG_NS : undefined],
  ];
  const out: string[] = [`<?xml version="1.0" encoding="UTF-8"?>`, `<cpix:CPIX${attrs(rootAttrs)}>`];
  if (doc.deliveryData.length > 0) {
    out.push('<cpix:DeliveryDataList>');
    for (const d of doc.deliveryData) {
      out.push(`<cpix:DeliveryData${attrs([['id', d.id]])}>`);
      if (d.certificate) out.push(`<cpix:DeliveryKey><ds:X509Data><ds:X509Certificate>${d.certificate.toString('base64')}</ds:X509Certificate></ds:X509Data></cpix:DeliveryKey>`);
      if (d.documentKey) {
        out.push(`<cpix:DocumentKey Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"><cpix:Data><pskc:Secret>${encryptedValue(d.documentKey)}</pskc:Secret></cpix:Data></cpix:DocumentKey>`);
      }
      if (d.macKey) out.push(`<cpix:MACMethod${attrs([['Algorithm', d.macAlgorithm]])}><cpix:Key>${encryptedValue(d.macKey)}</cpix:Key></cpix:MACMethod>`);
      out.push('</cpix:DeliveryData>');
    }
    out.push('</cpix:DeliveryDataList>');
  }
  out.push('<cpix:ContentKeyList>');
  for (const k of doc.contentKeys) {
    const a = attrs([
      ['kid', k.kid.length > 0 ? kidToUuid(k.kid) : undefined],
      ['explicitIV', k.explicitIV?.toString('base64')],
      ['commonEncryptionScheme', k.commonEncryptionScheme],
    ]);
    if (k.plainValue) {
      out.push(`<cpix:ContentKey${a}><cpix:Data><pskc:Secret><pskc:PlainValue>${k.plainValue.toString('base64')}</pskc:PlainValue></pskc:Secret></cpix:Data></cpix:ContentKey>`);
    } else if (k.encryptedValue) {
      out.push(`<cpix:ContentKey${a}><cpix:Data><pskc:Secret>${encryptedValue(k.encryptedValue)}</pskc:Secret></cpix:Data></cpix:ContentKey>`);
    } else {
      out.push(`<cpix:ContentKey${a}></cpix:ContentKey>`);
    }
  }
  out.push('</cpix:ContentKeyList>');
  if (doc.drmSystems.length > 0) {
    out.push('<cpix:DRMSystemList>');
    for (const d of doc.drmSystems) out.push(drmSystem(d));
    out.push('</cpix:DRMSystemList>');
  }
  if (doc.periods.length > 0) {
    out.push('<cpix:ContentKeyPeriodList>');
    for (const p of doc.periods) {
      out.push(`<cpix:ContentKeyPeriod${attrs([['id', p.id], ['index', p.index?.toString()], ['start', p.start], ['end', p.end]])}/>`);
    }
    out.push('</cpix:ContentKeyPeriodList>');
  }
  if (doc.usageRules.length > 0) {
    out.push('<cpix:ContentKeyUsageRuleList>');
    for (const r of doc.usageRules) out.push(usageRule(r));
    out.push('</cpix:ContentKeyUsageRuleList>');
  }
  out.push('</cpix:CPIX>');
  return out.join('\n');
}

function drmSystem(d: CpixDrmSystem): string {
  const parts: string[] = [`<cpix:DRMSystem${attrs([['kid', kidToUuid(d.kid)], ['systemId', d.systemId]])}>`];
  const el = (name: string, v: string | undefined): void => { if (v !== undefined) parts.push(`<${name}>${escapeText(v)}</${name}>`); };
  el('cpix:PSSH', d.pssh);
  el('cpix:ContentProtectionData', d.contentProtectionData);
  el('cpix:URIExtXKey', d.uriExtXKey);
  if (d.hlsSignalingDataMedia !== undefined) parts.push(`<cpix:HLSSignalingData playlist="media">${escapeText(d.hlsSignalingDataMedia)}</cpix:HLSSignalingData>`);
  if (d.hlsSignalingDataMaster !== undefined) parts.push(`<cpix:HLSSignalingData playlist="master">${escapeText(d.hlsSignalingDataMaster)}</cpix:HLSSignalingData>`);
  el('cpix:SmoothStreamingProtectionHeaderData', d.smoothStreamingProtectionHeaderData);
  el('speke:KeyFormat', d.keyFormat);
  el('speke:KeyFormatVersions', d.keyFormatVersions);
  el('speke:ProtectionHeader', d.protectionHeader);
  parts.push('</cpix:DRMSystem>');
  return parts.join('');
}

function usageRule(r: CpixUsageRule): string {
  const parts = [`<cpix:ContentKeyUsageRule${attrs([['kid', kidToUuid(r.kid)], ['intendedTrackType', r.intendedTrackType]])}>`];
  for (const p of r.periodIds) parts.push(`<cpix:KeyPeriodFilter periodId="${escapeAttr(p)}"/>`);
  for (const v of r.videoFilters) {
    parts.push(`<cpix:VideoFilter${attrs([
      ['minPixels', v.minPixels?.toString()], ['maxPixels', v.maxPixels?.toString()], ['hdr', v.hdr?.toString()],
      ['minFps', v.minFps?.toString()], ['maxFps', v.maxFps?.toString()],
    ])}/>`);
  }
  for (const a of r.audioFilters) parts.push(`<cpix:AudioFilter${attrs([['minChannels', a.minChannels?.toString()], ['maxChannels', a.maxChannels?.toString()]])}/>`);
  parts.push('</cpix:ContentKeyUsageRule>');
  return parts.join('');
}

function encryptedValue(v: CpixEncryptedValue): string {
  const method = v.algorithm ? `<enc:EncryptionMethod Algorithm="${escapeAttr(v.algorithm)}"/>` : '';
  const mac = v.valueMac ? `<pskc:ValueMAC>${v.valueMac.toString('base64')}</pskc:ValueMAC>` : '';
  return `<pskc:EncryptedValue>${method}<enc:CipherData><enc:CipherValue>${v.cipherValue.toString('base64')}</enc:CipherValue></enc:CipherData></pskc:EncryptedValue>${mac}`;
}

function attrs(list: [string, string | undefined][]): string {
  return list.filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${escapeAttr(v!)}"`).join('');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
