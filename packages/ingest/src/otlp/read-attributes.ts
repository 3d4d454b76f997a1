// Typed reads of span attributes: the first of several names that holds a usable value.
import { tokenCount } from '@margin/core';
import type { AttrValue, Attributes } from './decode.ts';

/** The first non-empty string (numbers and booleans as text) among `keys`. */
export function str(attrs: Attributes, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = attrs[key];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  }
  return undefined;
}

/** The first token count present among `keys` (numbers or integer strings). */
export function tokens(attrs: Attributes, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = attrs[key];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value))) return tokenCount(Math.floor(Number(value)));
  }
  return undefined;
}

export function num(attrs: Attributes, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = attrs[key];
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/** A string array attribute, or a JSON array in a string (Langfuse sends both). */
export function strings(attrs: Attributes, key: string): string[] | undefined {
  let value: AttrValue | undefined = attrs[key];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as AttrValue;
    } catch {
      return [value as string];
    }
  }
  if (!Array.isArray(value)) return undefined;
  return value.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
}

/** A JSON object in a string attribute, or a kvlist. */
export function object(attrs: Attributes, key: string): Record<string, unknown> | undefined {
  let value: unknown = attrs[key];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Content for `input` / `output`: strings as they are, structures as JSON. */
export function content(attrs: Attributes, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = attrs[key];
    if (value === undefined || value === null || value === '') continue;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return undefined;
}

/** Every attribute under `prefix.` as string metadata, the prefix taken off. */
export function withPrefix(attrs: Attributes, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (!key.startsWith(prefix) || value === null || value === undefined) continue;
    out[key.slice(prefix.length)] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}
