/**
 * The CPIX document (DASH-IF CPIX 2.3; SPEKE v1 uses the 2.0 subset plus the
 * `urn:aws:amazon:com:speke` elements). A faithful mirror of the XML: base64 payloads stay
 * base64 text, and an element present but empty (a request placeholder) is `''`.
 */
export interface CpixEncryptedValue {
  /** enc:EncryptionMethod@Algorithm */
  algorithm?: string;
  /** enc:CipherData/enc:CipherValue (for content keys: the IV followed by the ciphertext). */
  cipherValue: Buffer;
  /** pskc:ValueMAC */
  valueMac?: Buffer;
}

export interface CpixContentKey {
  kid: Buffer;
  explicitIV?: Buffer;
  commonEncryptionScheme?: string;
  /** Data/Secret/PlainValue */
  plainValue?: Buffer;
  /** Data/Secret/EncryptedValue (+ ValueMAC) */
  encryptedValue?: CpixEncryptedValue;
}

export interface CpixDrmSystem {
  kid: Buffer;
  /** Lowercase dashed UUID. */
  systemId: string;
  pssh?: string;
  contentProtectionData?: string;
  uriExtXKey?: string;
  /** speke:KeyFormat (v1) */
  keyFormat?: string;
  /** speke:KeyFormatVersions (v1) */
  keyFormatVersions?: string;
  /** speke:ProtectionHeader (v1) */
  protectionHeader?: string;
  hlsSignalingDataMedia?: string;
  hlsSignalingDataMaster?: string;
  smoothStreamingProtectionHeaderData?: string;
}

export interface CpixContentKeyPeriod {
  id: string;
  index?: number;
  start?: string;
  end?: string;
}

export interface CpixVideoFilter { minPixels?: number; maxPixels?: number; hdr?: boolean; minFps?: number; maxFps?: number }
export interface CpixAudioFilter { minChannels?: number; maxChannels?: number }

export interface CpixUsageRule {
  kid: Buffer;
  intendedTrackType?: string;
  periodIds: string[];
  videoFilters: CpixVideoFilter[];
  audioFilters: CpixAudioFilter[];
}

export interface CpixDeliveryData {
  id?: string;
  /** DeliveryKey/ds:X509Data/ds:X509Certificate, DER. */
  certificate?: Buffer;
  /** DocumentKey/Data/Secret/EncryptedValue: the AES-256 document key, RSA-OAEP encrypted. */
  documentKey?: CpixEncryptedValue;
  /** MACMethod@Algorithm */
  macAlgorithm?: string;
  /** MACMethod/Key: the HMAC key, RSA-OAEP encrypted. */
  macKey?: CpixEncryptedValue;
}

export interface CpixDocument {
  /** CPIX@id (SPEKE v1 content id). */
  id?: string;
  /** CPIX@contentId (SPEKE v2). */
  contentId?: string;
  /** CPIX@version (SPEKE v2: "2.3"). */
  version?: string;
  deliveryData: CpixDeliveryData[];
  contentKeys: CpixContentKey[];
  drmSystems: CpixDrmSystem[];
  periods: CpixContentKeyPeriod[];
  usageRules: CpixUsageRule[];
}

export const CPIX_NS = 'urn:dashif:org:cpix';
export const PSKC_NS = 'urn:ietf:params:xml:ns:keyprov:pskc';
export const SPEKE_NS = 'urn:aws:amazon:com:speke';
export const XMLENC_NS = 'http://www.w3.org/2001/04/xmlenc#';
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const ALG_AES256_CBC = 'http://www.w3.org/2001/04/xmlenc#aes256-cbc';
export const ALG_RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
export const ALG_HMAC_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha512';
