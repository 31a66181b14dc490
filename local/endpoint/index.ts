/** The local endpoint: AWS's wire protocols over in-process backends, for the sandbox and the tests. */

export { type LambdaHandler, lambdaFunctions } from '../lambda/lambda-functions.js';
export { seededRandom } from '../random.js';
export { AwsError } from './aws-error.js';
export type * from './backends.js';
export type { LocalEndpoint, LocalEndpointOptions, RequestRecord } from './endpoint.js';
export { startLocalEndpoint } from './endpoint.js';
export {
  type EventBridgeBackendOptions,
  eventBridgeBackend,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  type PublishEvent,
  putEventsEntrySize,
} from './eventbridge.js';
export type { FaultRule } from './faults.js';
export type { ServiceKey } from './services.js';
export { type LocalServiceEndpoints, localServiceEndpoints } from './services.js';
