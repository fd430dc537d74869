/**
 * Options for real deployments come from three layers, lowest first: a JSON config file
 * (`--config FILE`), environment variables (`SEGCRYPT_*`), then the command line. Values are
 * strings as on the command line, so one parser validates all three. Credentials read here are
 * never echoed: errors name the option and the layer, not the value.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export type OptionValues = Record<string, string | string[] | boolean | undefined>;

/** The environment variable for an option: `speke-url` -> `SEGCRYPT_SPEKE_URL`. */
export function envName(option: string): string {
  return `SEGCRYPT_${option.toUpperCase().replace(/-/g, '_')}`;
}

/** Options named in `names` from the environment. Multi-valued options take comma-separated lists. */
export function fromEnv(names: readonly string[], multiple: ReadonlySet<string>, env: NodeJS.ProcessEnv = process.env): OptionValues {
  const out: OptionValues = {};
  for (const name of names) {
    const v = env[envName(name)];
    if (v === undefined || v === '') continue;
    out[name] = multiple.has(name) ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
  }
  return out;
}

/**
 * Options from a JSON config file: an object whose keys are option names, either as on the
 * command line (`speke-url`) or camelCase (`spekeUrl`); values strings, numbers, booleans or
 * (for repeatable options) arrays of strings.
 */
export function fromConfigFile(file: string, names: readonly string[], multiple: ReadonlySet<string>): OptionValues {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new UsageError('ERR_CONFIG', `cannot read config file ${file}: ${why}`, { where: '--config' });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError('ERR_CONFIG', `config file ${file} must hold a JSON object`, { where: '--config' });
  const byKey = new Map(names.flatMap((n) => [[n, n], [n.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), n]] as [string, string][]));
  const out: OptionValues = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const name = byKey.get(key);
    if (!name) throw new UsageError('ERR_CONFIG', `config file ${file}: unknown option "${key.slice(0, 40)}"`, { where: '--config' });
    if (multiple.has(name)) {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
      if (!list || !list.every((x) => typeof x === 'string')) throw new UsageError('ERR_CONFIG', `config file ${file}: "${key}" must be a string or an array of strings`, { where: '--config' });
      out[name] = list.map((s) => s.trim()).filter(Boolean);
    } else if (typeof value === 'string' || typeof value === 'number') {
      out[name] = String(value);
    } else if (typeof value === 'boolean') {
      out[name] = value;
    } else {
      throw new UsageError('ERR_CONFIG', `config file ${file}: "${key}" must be a string, number or boolean`, { where: '--config' });
    }
  }
  return out;
}

/**
 * Merge the layers field by field (command line over environment over file). Options in one
 * `exclusive` group (alternative key sources) come from the highest layer that names any of
 * them, so `--key` on the command line is not mixed with a SEGCRYPT_SPEKE_URL in the environment.
 */
export function mergeLayers(layers: OptionValues[], exclusive: readonly string[] = []): OptionValues {
  const merged: OptionValues = {};
  for (const layer of layers) for (const [k, v] of Object.entries(layer)) if (v !== undefined) merged[k] = v;
  const owner = [...layers].reverse().find((l) => exclusive.some((k) => l[k] !== undefined));
  if (owner) for (const k of exclusive) merged[k] = owner[k];
  return merged;
}
