/**
 * What the local endpoint serves, one interface per AWS service, in the SDK's own request and response types.
 * The endpoint turns wire requests into these calls and their results (or thrown AwsErrors) back into wire
 * responses; the backends (the simulated cluster, the local bus, the mailbox) know nothing of HTTP.
 * Methods may return a value or a promise. Timestamps are Date objects, as in the SDK's types.
 */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as ASG from '@aws-sdk/client-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';
import type * as ECS from '@aws-sdk/client-ecs';
import type * as EB from '@aws-sdk/client-eventbridge';
import type * as SNS from '@aws-sdk/client-sns';
import type * as SQS from '@aws-sdk/client-sqs';

type Result<T> = T | Promise<T>;

export interface EcsBackend {
  runTask(input: ECS.RunTaskRequest): Result<ECS.RunTaskResponse>;
  startTask(input: ECS.StartTaskRequest): Result<ECS.StartTaskResponse>;
  stopTask(input: ECS.StopTaskRequest): Result<ECS.StopTaskResponse>;
  describeTasks(input: ECS.DescribeTasksRequest): Result<ECS.DescribeTasksResponse>;
  listTasks(input: ECS.ListTasksRequest): Result<ECS.ListTasksResponse>;
  listClusters(input: ECS.ListClustersRequest): Result<ECS.ListClustersResponse>;
  describeServices(input: ECS.DescribeServicesRequest): Result<ECS.DescribeServicesResponse>;
  updateService(input: ECS.UpdateServiceRequest): Result<ECS.UpdateServiceResponse>;
  listContainerInstances(
    input: ECS.ListContainerInstancesRequest,
  ): Result<ECS.ListContainerInstancesResponse>;
  describeContainerInstances(
    input: ECS.DescribeContainerInstancesRequest,
  ): Result<ECS.DescribeContainerInstancesResponse>;
  updateContainerInstancesState(
    input: ECS.UpdateContainerInstancesStateRequest,
  ): Result<ECS.UpdateContainerInstancesStateResponse>;
  describeTaskDefinition(
    input: ECS.DescribeTaskDefinitionRequest,
  ): Result<ECS.DescribeTaskDefinitionResponse>;
}

export interface SnsBackend {
  createTopic(input: SNS.CreateTopicInput): Result<SNS.CreateTopicResponse>;
  subscribe(input: SNS.SubscribeInput): Result<SNS.SubscribeResponse>;
  publish(input: SNS.PublishInput): Result<SNS.PublishResponse>;
}

export interface ApplicationAutoScalingBackend {
  registerScalableTarget(
    input: AAS.RegisterScalableTargetRequest,
  ): Result<AAS.RegisterScalableTargetResponse>;
  describeScalableTargets(
    input: AAS.DescribeScalableTargetsRequest,
  ): Result<AAS.DescribeScalableTargetsResponse>;
  putScalingPolicy(input: AAS.PutScalingPolicyRequest): Result<AAS.PutScalingPolicyResponse>;
  describeScalingPolicies(
    input: AAS.DescribeScalingPoliciesRequest,
  ): Result<AAS.DescribeScalingPoliciesResponse>;
}

export interface AutoScalingBackend {
  completeLifecycleAction(input: ASG.CompleteLifecycleActionType): Result<ASG.CompleteLifecycleActionAnswer>;
  recordLifecycleActionHeartbeat(
    input: ASG.RecordLifecycleActionHeartbeatType,
  ): Result<ASG.RecordLifecycleActionHeartbeatAnswer>;
  describeAutoScalingInstances(
    input: ASG.DescribeAutoScalingInstancesType,
  ): Result<ASG.AutoScalingInstancesType>;
}

export interface SqsBackend {
  getQueueUrl(input: SQS.GetQueueUrlRequest): Result<SQS.GetQueueUrlResult>;
  getQueueAttributes(input: SQS.GetQueueAttributesRequest): Result<SQS.GetQueueAttributesResult>;
  sendMessage(input: SQS.SendMessageRequest): Result<SQS.SendMessageResult>;
  sendMessageBatch(input: SQS.SendMessageBatchRequest): Result<SQS.SendMessageBatchResult>;
  receiveMessage(input: SQS.ReceiveMessageRequest): Result<SQS.ReceiveMessageResult>;
  changeMessageVisibilityBatch(
    input: SQS.ChangeMessageVisibilityBatchRequest,
  ): Result<SQS.ChangeMessageVisibilityBatchResult>;
  listQueues(input: SQS.ListQueuesRequest): Result<SQS.ListQueuesResult>;
  listDeadLetterSourceQueues(
    input: SQS.ListDeadLetterSourceQueuesRequest,
  ): Result<SQS.ListDeadLetterSourceQueuesResult>;
  startMessageMoveTask(input: SQS.StartMessageMoveTaskRequest): Result<SQS.StartMessageMoveTaskResult>;
  listMessageMoveTasks(input: SQS.ListMessageMoveTasksRequest): Result<SQS.ListMessageMoveTasksResult>;
}

/** What one synchronous (RequestResponse) invocation returned. */
export interface LambdaInvocation {
  /** The handler's result as JSON; for a function error, `{"errorType","errorMessage"}`. */
  payload: Uint8Array;
  /** `Unhandled` when the handler threw (Lambda's `X-Amz-Function-Error`); absent when it returned. */
  functionError?: string;
}

/**
 * Lambda's Invoke, the only Lambda call the toolkit makes (`ecs-ops jobs run`). Unlike the other backends it
 * takes the raw payload, not an SDK input shape: Invoke's body is the event itself. An unknown function throws
 * an AwsError ResourceNotFoundException (404).
 */
export interface LambdaBackend {
  invoke(functionName: string, payload: Uint8Array): Promise<LambdaInvocation>;
}

export interface CloudWatchBackend {
  getMetricData(input: CW.GetMetricDataInput): Result<CW.GetMetricDataOutput>;
  putMetricData(input: CW.PutMetricDataInput): Result<void>;
  /** The metric alarms and their states (the sandbox's, evaluated over its metrics); none without alarms. */
  describeAlarms?(input: CW.DescribeAlarmsInput): Result<CW.DescribeAlarmsOutput>;
}

/**
 * EventBridge's PutEvents: the entries' own failures (a refused source, a malformed or oversized entry) are in
 * the response's `Entries`, in request order; only a malformed request as a whole throws (ValidationException).
 * `eventBridgeBackend` (eventbridge.ts) is the ready implementation over a bus's publish.
 */
export interface EventBridgeBackend {
  putEvents(input: EB.PutEventsRequest): Result<EB.PutEventsResponse>;
}

/** Every backend is optional: a service left out answers every call with UnknownOperationException. */
export interface Backends {
  ecs?: EcsBackend;
  sns?: SnsBackend;
  applicationAutoScaling?: ApplicationAutoScalingBackend;
  autoScaling?: AutoScalingBackend;
  sqs?: SqsBackend;
  cloudWatch?: CloudWatchBackend;
  lambda?: LambdaBackend;
  eventBridge?: EventBridgeBackend;
}
