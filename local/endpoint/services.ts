/**
 * The services the local endpoint serves: how a request names each one on the wire, and which operations it
 * answers (exactly the methods of its backend interface in backends.ts).
 */
import type { Backends } from './backends.js';

export type ServiceKey = keyof Backends;

interface ServiceBase {
  key: ServiceKey;
  /** The SDK's serviceId; `AWS_ENDPOINT_URL_<serviceId upper-cased, spaces as _>` points a client here. */
  serviceId: string;
  operations: readonly string[];
}

export interface JsonService extends ServiceBase {
  protocol: 'json';
  jsonVersion: '1.0' | '1.1';
  /** The `X-Amz-Target` prefix, before `.<Operation>`. */
  target: string;
  /** awsQueryCompatible services also read the error code from `x-amzn-query-error`. */
  queryCompatible: boolean;
}

export interface QueryService extends ServiceBase {
  protocol: 'query';
  /** The SigV4 credential scope's service name, which is how a form-encoded request says where it goes. */
  signingName: string;
  version: string;
  xmlns: string;
}

/** REST-JSON: the operation is in the method and path (Lambda's Invoke, see lambda-protocol.ts). */
export interface RestJsonService extends ServiceBase {
  protocol: 'rest-json';
}

export type Service = JsonService | QueryService | RestJsonService;

export const services: readonly Service[] = [
  {
    key: 'ecs',
    serviceId: 'ECS',
    protocol: 'json',
    jsonVersion: '1.1',
    target: 'AmazonEC2ContainerServiceV20141113',
    queryCompatible: false,
    operations: [
      'RunTask',
      'StartTask',
      'StopTask',
      'DescribeTasks',
      'ListTasks',
      'ListClusters',
      'DescribeServices',
      'UpdateService',
      'ListContainerInstances',
      'DescribeContainerInstances',
      'UpdateContainerInstancesState',
      'DescribeTaskDefinition',
    ],
  },
  {
    key: 'applicationAutoScaling',
    serviceId: 'Application Auto Scaling',
    protocol: 'json',
    jsonVersion: '1.1',
    target: 'AnyScaleFrontendService',
    queryCompatible: false,
    operations: [
      'RegisterScalableTarget',
      'DescribeScalableTargets',
      'PutScalingPolicy',
      'DescribeScalingPolicies',
    ],
  },
  {
    key: 'sqs',
    serviceId: 'SQS',
    protocol: 'json',
    jsonVersion: '1.0',
    target: 'AmazonSQS',
    queryCompatible: true,
    operations: [
      'GetQueueUrl',
      'GetQueueAttributes',
      'SendMessage',
      'SendMessageBatch',
      'ReceiveMessage',
      'ChangeMessageVisibilityBatch',
      'ListQueues',
      'ListDeadLetterSourceQueues',
      'StartMessageMoveTask',
      'ListMessageMoveTasks',
    ],
  },
  {
    key: 'cloudWatch',
    serviceId: 'CloudWatch',
    protocol: 'json',
    jsonVersion: '1.0',
    target: 'GraniteServiceVersion20100801',
    queryCompatible: true,
    operations: ['GetMetricData', 'PutMetricData', 'DescribeAlarms'],
  },
  {
    key: 'eventBridge',
    serviceId: 'EventBridge',
    protocol: 'json',
    jsonVersion: '1.1',
    target: 'AWSEvents',
    queryCompatible: false,
    operations: ['PutEvents'],
  },
  {
    key: 'sns',
    serviceId: 'SNS',
    protocol: 'query',
    signingName: 'sns',
    version: '2010-03-31',
    xmlns: 'http://sns.amazonaws.com/doc/2010-03-31/',
    operations: ['CreateTopic', 'Subscribe', 'Publish'],
  },
  {
    key: 'autoScaling',
    serviceId: 'Auto Scaling',
    protocol: 'query',
    signingName: 'autoscaling',
    version: '2011-01-01',
    xmlns: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
    operations: ['CompleteLifecycleAction', 'RecordLifecycleActionHeartbeat', 'DescribeAutoScalingInstances'],
  },
  { key: 'lambda', serviceId: 'Lambda', protocol: 'rest-json', operations: ['Invoke'] },
];

/** The backend method for a wire operation name: `RunTask` → `runTask`. */
export const methodName = (operation: string): string => operation[0]?.toLowerCase() + operation.slice(1);

export interface LocalServiceEndpoints {
  AWS_ENDPOINT_URL_ECS: string;
  AWS_ENDPOINT_URL_SNS: string;
  AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING: string;
  AWS_ENDPOINT_URL_AUTO_SCALING: string;
  AWS_ENDPOINT_URL_SQS: string;
  AWS_ENDPOINT_URL_CLOUDWATCH: string;
  AWS_ENDPOINT_URL_LAMBDA: string;
  AWS_ENDPOINT_URL_EVENTBRIDGE: string;
}

/**
 * The environment variables that point every SDK client the toolkit uses at a local endpoint: the SDK reads
 * `AWS_ENDPOINT_URL_` + its serviceId upper-cased, spaces as underscores.
 */
export function localServiceEndpoints(url: string): LocalServiceEndpoints {
  return Object.fromEntries(
    services.map((s) => [`AWS_ENDPOINT_URL_${s.serviceId.toUpperCase().replaceAll(' ', '_')}`, url]),
  ) as unknown as LocalServiceEndpoints;
}
