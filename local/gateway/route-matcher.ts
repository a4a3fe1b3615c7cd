/**
 * Route selection as API Gateway HTTP APIs do it (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html):
 * the method must match and each `/`-separated segment must equal the route's literal or fill one `{param}`;
 * when several routes match, the most specific wins (a literal segment beats a parameter, left to right);
 * anything left over goes to the `$default` route.
 */
import type { HttpMethod, RouteAuth } from '../../infra/catalog/routes';

/** What the gateway needs of a route; catalog rows satisfy it, and tests can inject their own. */
export interface GatewayRoute {
  readonly id: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly entry: string;
  readonly auth: RouteAuth;
  readonly timeoutSeconds?: number;
}

/** The `$default` route: no method or path of its own, never behind the authorizer. */
export interface GatewayFallbackRoute {
  readonly id: string;
  readonly entry: string;
  readonly timeoutSeconds?: number;
}

type Segment = { readonly literal: string } | { readonly parameter: string };

interface CompiledRoute {
  readonly route: GatewayRoute;
  readonly routeKey: string;
  readonly segments: readonly Segment[];
}

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: GatewayRoute; readonly routeKey: string; readonly pathParameters: Record<string, string> }
  | { readonly kind: 'default'; readonly route: GatewayFallbackRoute; readonly routeKey: '$default' };

export class RouteMatcher {
  private readonly compiled: readonly CompiledRoute[];

  constructor(
    routes: readonly GatewayRoute[],
    private readonly fallback: GatewayFallbackRoute,
  ) {
    this.compiled = routes.map(compile);
    const keys = new Set<string>();
    for (const { routeKey } of this.compiled) {
      if (keys.has(routeKey)) throw new Error(`Duplicate route ${routeKey}`);
      keys.add(routeKey);
    }
  }

  /** Methods some route answers to, for the CORS preflight's `access-control-allow-methods`. */
  methods(): HttpMethod[] {
    return [...new Set(this.compiled.map(({ route }) => route.method))];
  }

  /** `rawSegments` are the request path split on `/` before percent-decoding, so `%2F` stays inside a segment. */
  match(method: string, rawSegments: readonly string[]): RouteMatch {
    const segments = rawSegments.map(decodePathSegment);
    let best: { compiled: CompiledRoute; parameters: Record<string, string> } | undefined;
    for (const compiled of this.compiled) {
      if (compiled.route.method !== method || compiled.segments.length !== segments.length) continue;
      const parameters = bindSegments(compiled.segments, segments);
      if (parameters && (!best || moreSpecific(compiled, best.compiled))) best = { compiled, parameters };
    }
    if (!best) return { kind: 'default', route: this.fallback, routeKey: '$default' };
    return { kind: 'route', route: best.compiled.route, routeKey: best.compiled.routeKey, pathParameters: best.parameters };
  }
}

function compile(route: GatewayRoute): CompiledRoute {
  if (!route.path.startsWith('/')) throw new Error(`Route ${route.id}: path must start with /`);
  const segments = route.path
    .slice(1)
    .split('/')
    .map((part): Segment => {
      const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(part);
      return parameter?.[1] ? { parameter: parameter[1] } : { literal: part };
    });
  return { route, routeKey: `${route.method} ${route.path}`, segments };
}

function bindSegments(pattern: readonly Segment[], segments: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const actual = segments[index] ?? '';
    if ('literal' in part) {
      if (part.literal !== actual) return undefined;
    } else {
      // A path parameter never matches an empty segment (`/accounts/` is not `/accounts/{id}`).
      if (actual.length === 0) return undefined;
      parameters[part.parameter] = actual;
    }
  }
  return parameters;
}

function moreSpecific(candidate: CompiledRoute, current: CompiledRoute): boolean {
  for (const [index, segment] of candidate.segments.entries()) {
    const other = current.segments[index];
    const candidateLiteral = 'literal' in segment;
    const otherLiteral = other !== undefined && 'literal' in other;
    if (candidateLiteral !== otherLiteral) return candidateLiteral;
  }
  return false;
}

/** Percent-decodes one path segment; a malformed escape is kept as written rather than failing the request. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
