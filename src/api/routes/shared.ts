/**
 * What every route module shares: the TypeBox (0.34) type provider and validator compiler, the
 * app type routes register on, and small query helpers. Validation uses TypeBox's own compiler so
 * no value is coerced ("300" is not an integer) and each error names its field.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifySchemaCompiler,
  FastifySchemaValidationError,
  FastifyTypeProvider,
  RawServerDefault,
} from 'fastify'
import { Kind, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'

/** Fastify type provider for @sinclair/typebox 0.34 schemas (the project's one schema library). */
export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown
}

/** The instance route modules register on. */
export type ApiApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxProvider>

/** Max validation messages returned for one request part. */
const MAX_VALIDATION_MESSAGES = 20

/**
 * Validator compiler for TypeBox schemas: returns `{ error: [{ instancePath, message }] }` so
 * fastify formats `body/ttl must be integer`; one message per field, at most 20.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  if (!(Kind in schema)) throw new Error('api routes must use TypeBox schemas')
  const check = TypeCompiler.Compile(schema)
  return (data: unknown) => {
    if (check.Check(data)) return { value: data }
    const seen = new Set<string>()
    const errors: FastifySchemaValidationError[] = []
    for (const e of check.Errors(data)) {
      if (seen.has(e.path)) continue
      seen.add(e.path)
      errors.push({
        keyword: ValueErrorType[e.type] ?? 'invalid',
        instancePath: e.path,
        schemaPath: '',
        params: {},
        message: describeValueError(e),
      })
      if (errors.length >= MAX_VALIDATION_MESSAGES) break
    }
    return { error: errors }
  }
}

/** A short message in the wording JSON Schema validators use ("must be integer", "is required"). */
export function describeValueError(e: ValueError): string {
  const s = e.schema as Record<string, unknown>
  // A missing property reports the property's schema; "is required" beats its custom message.
  if (e.type === ValueErrorType.ObjectRequiredProperty) return 'is required'
  if (typeof s.errorMessage === 'string') return s.errorMessage
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return 'is not allowed'
    case ValueErrorType.Integer:
      return 'must be integer'
    case ValueErrorType.Number:
      return 'must be number'
    case ValueErrorType.String:
      return 'must be string'
    case ValueErrorType.Boolean:
      return 'must be boolean'
    case ValueErrorType.Object:
      return 'must be object'
    case ValueErrorType.Array:
      return 'must be array'
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be >= ${String(s.minimum)}`
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be <= ${String(s.maximum)}`
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'must not be empty' : `must have at least ${String(s.minLength)} characters`
    case ValueErrorType.StringMaxLength:
      return `must have at most ${String(s.maxLength)} characters`
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${String(s.maxItems)} items`
    case ValueErrorType.Union: {
      const consts = Array.isArray(s.anyOf) ? (s.anyOf as Array<Record<string, unknown>>).map((x) => x.const) : []
      if (consts.length > 0 && consts.every((c) => typeof c === 'string')) return `must be one of ${consts.join(', ')}`
      return 'has an invalid value'
    }
    default:
      return e.message.charAt(0).toLowerCase() + e.message.slice(1)
  }
}

/** The first value of a query parameter (repeated keys give arrays), or undefined. */
export function queryValue(query: unknown, key: string): string | undefined {
  if (query === null || typeof query !== 'object') return undefined
  const v = (query as Record<string, unknown>)[key]
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : undefined
  return typeof v === 'string' ? v : undefined
}

/** The original's truthy query words: 1, true, yes (any case). */
export function isTruthyFlag(value: string | undefined): boolean {
  if (value === undefined) return false
  const v = value.trim().toLowerCase()
  return v === '1' || v === 'true' || v === 'yes'
}
