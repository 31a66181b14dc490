/** Step scaling: scale, every minute (and on demand), updates the policies' services. */

import type { OpsConfig } from '../lib/ops-config.js';
import { lastSegment } from '../lib/platform/arn.js';
import { capabilityResources } from './capability.js';
import { stateTable } from './roles.js';
import { allow, arn, deny, type Stack } from './template.js';

/** An SQS queue of a metric source as an IAM resource: its name (from a URL, the last path segment). */
const queueArn = (queue: string) => arn('sqs', lastSegment(queue));

const unique = (values: string[]) => [...new Set(values)].sort();

/**
 * What `scale` may do besides the table: read and update only the services its policies scale; read only
 * their queues; read CloudWatch metrics and Application Auto Scaling's targets and policies (neither has
 * resource-level permissions for these reads); register scalable targets only when a policy asks to. With no
 * policies, one Deny.
 */
export function scalePolicyStatements(config: OpsConfig) {
  const policies = Object.values(config.scaling);
  if (policies.length === 0) return [deny('NoPoliciesConfigured', 'ecs:UpdateService')];
  const services = unique(policies.map((policy) => `service/${policy.cluster}/${policy.service}`));
  const queues = unique(
    policies.flatMap((policy) => (policy.metric.sqs === undefined ? [] : [policy.metric.sqs.queue])),
  );
  const registers = policies.some((policy) => policy.registerScalableTarget);
  const reads = [
    ...(policies.some((policy) => policy.metric.cloudWatch !== undefined)
      ? ['cloudwatch:GetMetricData']
      : []),
    'application-autoscaling:DescribeScalableTargets',
    'application-autoscaling:DescribeScalingPolicies',
    ...(registers ? ['application-autoscaling:RegisterScalableTarget'] : []),
  ];
  return [
    allow(
      'ScaleConfiguredServices',
      ['ecs:DescribeServices', 'ecs:UpdateService'],
      services.map((service) => arn('ecs', service)),
    ),
    ...(queues.length === 0
      ? []
      : [allow('ReadQueueBacklogs', ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'], queues.map(queueArn))]),
    allow('ReadMetricsAndScalableTargets', reads, '*'),
    // The first registration in an account creates Application Auto Scaling's service-linked role for ECS.
    ...(registers
      ? [
          allow('ApplicationAutoScalingRoleForEcs', 'iam:CreateServiceLinkedRole', '*', {
            StringEquals: { 'iam:AWSServiceName': 'ecs.application-autoscaling.amazonaws.com' },
          }),
        ]
      : []),
  ];
}

export function scalingSettings(config: OpsConfig, stack: Stack) {
  return {
    config: JSON.stringify(config.scaling),
    resources: capabilityResources(stack, {
      roles: [
        {
          function: 'scale',
          statements: [
            // Recent activities per service (get, conditional put), the journal (put) and state-store counts
            // (query the byGroup index, batch-get what it lists).
            stateTable(
              'ActivitiesJournalAndState',
              ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
              ['byGroup'],
            ),
          ],
          configured: { policy: 'scale-services', statements: scalePolicyStatements(config) },
        },
      ],
    }),
  };
}
