// Decodes an OTLP/HTTP trace export (protobuf or JSON) into one plain shape: ids as hex, times as
// epoch ms, attributes as a flat record. Protobuf goes through the generated code that
// @opentelemetry/otlp-transformer 0.216.0 still ships (later versions only encode).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ProtoType {
  decode(buf: Uint8Array): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  toObject(message: unknown, options: Record<string, unknown>): unknown;
  fromObject(object: unknown): unknown;
}
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root') as {
  opentelemetry: { proto: { collector: { trace: { v1: Record<'ExportTraceServiceRequest' | 'ExportTraceServiceResponse', ProtoType> } } } };
};
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;

export type AttrValue = string | number | boolean | AttrValue[] | { [key: string]: AttrValue } | null;
export type Attributes = Record<string, AttrValue>;

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  /** The resource's attributes (service.name, deployment.environment...). */
  resource: Attributes;
  scopeName: string;
  statusCode: 'unset' | 'ok' | 'error';
  statusMessage: string;
}

/** The raw request as protobufjs's toObject or OTLP/JSON gives it. */
interface RawRequest {
  resourceSpans?: {
    resource?: { attributes?: RawKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: RawSpan[] }[];
    /** OTLP/JSON before 0.19 called it this. */
    instrumentationLibrarySpans?: { instrumentationLibrary?: { name?: string }; spans?: RawSpan[] }[];
  }[];
}
interface RawKeyValue {
  key?: string;
  value?: RawAnyValue;
}
interface RawAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number | { low: number; high: number };
  doubleValue?: number | string;
  arrayValue?: { values?: RawAnyValue[] };
  kvlistValue?: { values?: RawKeyValue[] };
  bytesValue?: string;
}
interface RawSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  startTimeUnixNano?: string | number | { low: number; high: number };
  endTimeUnixNano?: string | number | { low: number; high: number };
  attributes?: RawKeyValue[];
  status?: { code?: number | string; message?: string };
}

export function decodeProtobuf(body: Uint8Array): OtlpSpan[] {
  const message = ExportTraceServiceRequest.decode(body);
  return flatten(ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String, defaults: false }) as RawRequest);
}

export function decodeJson(json: unknown): OtlpSpan[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('expected an ExportTraceServiceRequest object');
  return flatten(json as RawRequest);
}

/** The answer body: empty when all spans were taken, else a partial success. */
export function encodeResponse(kind: 'json' | 'protobuf', rejectedSpans: number, errorMessage: string): Buffer | string {
  const body = rejectedSpans > 0 ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } } : {};
  if (kind === 'json') return JSON.stringify(body);
  return Buffer.from(ExportTraceServiceResponse.encode(ExportTraceServiceResponse.fromObject(body)).finish());
}

function flatten(request: RawRequest): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    const scopes = [
      ...(resourceSpans.scopeSpans ?? []).map((s) => ({ name: s.scope?.name ?? '', spans: s.spans ?? [] })),
      ...(resourceSpans.instrumentationLibrarySpans ?? []).map((s) => ({ name: s.instrumentationLibrary?.name ?? '', spans: s.spans ?? [] })),
    ];
    for (const scope of scopes) {
      for (const span of scope.spans) {
        const code = span.status?.code;
        spans.push({
          traceId: idToHex(span.traceId),
          spanId: idToHex(span.spanId),
          parentSpanId: idToHex(span.parentSpanId),
          name: span.name ?? '',
          startMs: nanosToMs(span.startTimeUnixNano),
          endMs: nanosToMs(span.endTimeUnixNano),
          attributes: attributesOf(span.attributes),
          resource,
          scopeName: scope.name,
          statusCode: code === 2 || code === 'STATUS_CODE_ERROR' ? 'error' : code === 1 || code === 'STATUS_CODE_OK' ? 'ok' : 'unset',
          statusMessage: span.status?.message ?? '',
        });
      }
    }
  }
  return spans;
}

/** OTLP/JSON sends ids as hex; protobuf bytes arrive as base64. Either way: lower-case hex. */
export function idToHex(id: string | undefined): string {
  if (!id) return '';
  if (/^[0-9a-fA-F]+$/.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  const hex = Buffer.from(id, 'base64').toString('hex');
  return /^0*$/.test(hex) ? '' : hex;
}

function nanosToMs(value: RawSpan['startTimeUnixNano']): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'object') return Number((BigInt(value.high >>> 0) << 32n) + BigInt(value.low >>> 0)) / 1e6;
  if (typeof value === 'number') return value / 1e6;
  return /^\d+$/.test(value) ? Number(BigInt(value) / 1000n) / 1000 : 0;
}

export function attributesOf(list: RawKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) if (kv.key) out[kv.key] = valueOf(kv.value);
  return out;
}

function valueOf(value: RawAnyValue | undefined): AttrValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const v = value.intValue;
    return typeof v === 'object' ? Number((BigInt(v.high) << 32n) + BigInt(v.low >>> 0)) : Number(v);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(valueOf);
  if (value.kvlistValue !== undefined) return attributesOf(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}
