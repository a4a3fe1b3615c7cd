/**
 * Who may call the user routes: an API Gateway JWT authorizer, fed either by a Cognito user pool created here
 * (the default) or by an identity provider the deployment already runs (CDK context `jwtIssuer` +
 * `jwtAudience`). Either way API Gateway verifies signature, issuer, audience and expiry before a handler runs,
 * and the handler takes the user id from the verified `sub` claim.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { AccountRecovery, FeaturePlan, Mfa, UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { ExternalIssuer } from './deployment-settings';

export interface UserAuthenticationProps {
  readonly prefix: string;
  /** When set, tokens come from this issuer and no user pool is created. */
  readonly externalIssuer: ExternalIssuer | undefined;
}

export class UserAuthentication extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  readonly issuer: string;
  /** Present only when the stack owns the user pool. */
  readonly userPool: UserPool | undefined;
  readonly userPoolClient: UserPoolClient | undefined;

  constructor(scope: Construct, id: string, props: UserAuthenticationProps) {
    super(scope, id);

    if (props.externalIssuer) {
      this.issuer = props.externalIssuer.issuer;
      this.authorizer = new HttpJwtAuthorizer('UserJwt', this.issuer, {
        jwtAudience: [...props.externalIssuer.audience],
      });
      this.userPool = undefined;
      this.userPoolClient = undefined;
      return;
    }

    const userPool = new UserPool(this, 'UserPool', {
      userPoolName: `${props.prefix}-users`,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      signInCaseSensitive: false,
      // The app shows bank balances and transactions: a password alone is not enough. TOTP only, because SMS
      // needs an SNS spending limit and origination setup per account and is the weaker factor.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      // Users and their MFA enrolments cannot be recreated from anything else; the pool outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A public client for browser and mobile apps: no client secret (it could not be kept secret there), SRP so
    // the password never leaves the device, and no hosted-UI OAuth flows (the frontend signs in with the SDK).
    const userPoolClient = userPool.addClient('AppClient', {
      userPoolClientName: `${props.prefix}-app`,
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.userPool = userPool;
    this.userPoolClient = userPoolClient;
    this.issuer = userPool.userPoolProviderUrl;
    // Cognito access tokens carry no `aud` but a `client_id`; API Gateway checks `client_id` against the
    // audience list in that case, so the client id works for both ID and access tokens.
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
    this.authorizer = new HttpJwtAuthorizer('UserJwt', this.issuer, {
      jwtAudience: [userPoolClient.userPoolClientId],
    });

    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus feature plan (threat protection) is billed per monthly active user. The bundled pool is the ' +
        'starting point for development and small deployments and already requires TOTP MFA and a strong ' +
        'password; production deployments either switch featurePlan to PLUS or bring their own identity ' +
        'provider through the jwtIssuer/jwtAudience context.',
    });
  }
}
