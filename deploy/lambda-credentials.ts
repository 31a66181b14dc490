/**
 * Bundled into the Lambda functions in place of `@aws-sdk/credential-provider-node` (see scripts/build.mjs).
 *
 * Lambda always hands a function its role's credentials in environment variables, so the default chain's
 * other sources (SSO, ini files, process, IMDS, STS web identity) are dead weight there: about 95 KB minified
 * and part of every cold start. Local runs use the SDK's full chain: they do not load the bundles.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
