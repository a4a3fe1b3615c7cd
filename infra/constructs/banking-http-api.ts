/**
 * The API Gateway HTTP API (payload v2) in front of the route functions: one route per catalog row, the
 * not-found function on `$default`, CORS preflight answered by API Gateway itself, and a `$default` stage with
 * JSON access logs and throttles: the stage default for user routes, and route-level limits of their own for
 * the webhook routes and the public ones (health, unknown paths), so an anonymous flood on one of them is
 * answered 429 there without using up what users and provider deliveries are admitted.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 */
import { Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  type CfnStage,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { throttleGroupOf, type HttpMethod as CatalogHttpMethod, type RouteDefinition, type ThrottleGroup } from '../catalog/routes';

export interface ThrottleLimits {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface BankingHttpApiProps {
  readonly prefix: string;
  /** Every method the catalog uses; CORS allows exactly these. */
  readonly methods: readonly CatalogHttpMethod[];
  /** Empty: no CORS configuration (same-origin or non-browser clients only). */
  readonly corsOrigins: readonly string[];
  /** Per throttle group; `user` is the stage default, the others become route settings of their routes. */
  readonly throttles: Readonly<Record<ThrottleGroup, ThrottleLimits>>;
  readonly logRetention: RetentionDays;
}

/**
 * One JSON object per request. `$context.requestId` is the id handlers put in `x-request-id` and their logs,
 * so one id joins an access log line to the function's log lines.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 */
const accessLogFields = {
  request_id: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  user_agent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  path: '$context.path',
  route: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  response_length: '$context.responseLength',
  latency_ms: '$context.responseLatency',
  integration_latency_ms: '$context.integrationLatency',
  integration_error: '$context.integrationErrorMessage',
  authorizer_error: '$context.authorizer.error',
  user_id: '$context.authorizer.claims.sub',
};

export class BankingHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  private readonly throttles: Readonly<Record<ThrottleGroup, ThrottleLimits>>;
  /** Route key → its own throttle (webhook and public routes). */
  private readonly routeThrottles = new Map<string, ThrottleLimits>();

  constructor(scope: Construct, id: string, props: BankingHttpApiProps) {
    super(scope, id);
    this.throttles = props.throttles;

    this.api = new HttpApi(this, 'Api', {
      apiName: `${props.prefix}-api`,
      description: 'Open-banking API: connections, accounts, transactions, categories and provider webhooks',
      createDefaultStage: false,
      // API Gateway answers OPTIONS preflights itself when CORS is configured, before any route or authorizer
      // runs, so browsers can preflight JWT routes without a token.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
      corsPreflight:
        props.corsOrigins.length === 0
          ? undefined
          : {
              allowOrigins: [...props.corsOrigins],
              allowMethods: [...new Set(props.methods)].map((method) => CorsHttpMethod[method]),
              allowHeaders: ['authorization', 'content-type'],
              exposeHeaders: ['x-request-id'],
              // Bearer tokens travel in a header, never in cookies, so credentialed CORS is not needed.
              allowCredentials: false,
              maxAge: Duration.hours(1),
            },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
      // Caps what one runaway client can cost in Lambda invocations and provider calls; API Gateway answers
      // 429 above it. The values come from context (apiRateLimit / apiBurstLimit).
      throttle: props.throttles.user,
      detailedMetricsEnabled: true,
    });
    const settings = (): Record<string, unknown> | undefined =>
      this.routeThrottles.size === 0
        ? undefined
        : Object.fromEntries(
            [...this.routeThrottles].map(([routeKey, limits]) => [
              routeKey,
              { ThrottlingRateLimit: limits.rateLimit, ThrottlingBurstLimit: limits.burstLimit },
            ]),
          );
    (this.stage.node.defaultChild as CfnStage).routeSettings = Lazy.any({ produce: settings });
  }

  /** Base URL of the API (no trailing slash); paths from the catalog are appended as they are. */
  get endpoint(): string {
    return this.api.apiEndpoint;
  }

  addRoute(route: RouteDefinition, handler: IFunction, userAuthorizer: IHttpRouteAuthorizer): HttpRoute {
    const httpRoute = new HttpRoute(this, `${route.id}Route`, {
      httpApi: this.api,
      routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
      integration: new HttpLambdaIntegration(`${route.id}Integration`, handler),
      authorizer: route.auth === 'user' ? userAuthorizer : undefined,
    });
    this.throttleRoute(httpRoute, `${route.method} ${route.path}`, throttleGroupOf(route));
    if (route.auth === 'none') {
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          `${route.method} ${route.path} is public by design (catalog auth "none": ${route.summary}). ` +
          'It is either an anonymous liveness probe that returns no data, or a provider webhook that no user ' +
          'JWT can accompany and that the handler authenticates itself (Plaid-Verification JWT, Pluggy ' +
          'webhook secret) before acting on it.',
      });
    }
    return httpRoute;
  }

  /** Sends every request no route matches to `handler`, so unknown paths get the API's 404 envelope. */
  setFallback(handler: IFunction, id: string): HttpRoute {
    const fallback = new HttpRoute(this, `${id}Route`, {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration(`${id}Integration`, handler),
    });
    this.throttleRoute(fallback, '$default', 'public');
    Validations.of(fallback).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The $default route only answers requests that match no route with the 404 error envelope; it reads ' +
        'nothing and returns no data, and requiring a JWT there would turn a wrong path into a misleading 401.',
    });
    return fallback;
  }

  /** A route outside the user group gets its own route setting; the stage must then be created after it. */
  private throttleRoute(route: HttpRoute, routeKey: string, group: ThrottleGroup): void {
    if (group === 'user') return;
    this.routeThrottles.set(routeKey, this.throttles[group]);
    this.stage.node.addDependency(route);
  }
}
