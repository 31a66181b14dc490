/**
 * How the generated resources spell CloudFormation intrinsics, IAM statements and the EventBridge cluster
 * filter, so every capability module writes them the same way.
 */

/** The stack being packaged: functions are named `<service>-<stage>-<function>`, as the framework names them. */
export interface Stack {
  service: string;
  stage: string;
}

export const functionName = (stack: Stack, fn: string) => `${stack.service}-${stack.stage}-${fn}`;

export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

export const allow = (
  Sid: string,
  Action: string | string[],
  Resource: unknown,
  Condition?: Record<string, unknown>,
): Statement => ({
  Sid,
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition === undefined ? {} : { Condition }),
});

/** A policy needs a statement: what a configuration grants nothing of says so with one Deny. */
export const deny = (Sid: string, Action: string): Statement => ({
  Sid,
  Effect: 'Deny',
  Action,
  Resource: '*',
});

export const ref = (logicalId: string) => ({ Ref: logicalId });
/** `!GetAtt <logicalId>.Arn`. */
export const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** An ARN in the stack's partition, region and account, which CloudFormation fills in. */
export const arn = (service: string, resource: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});

/** The functions' WATCHED_CLUSTERS: the configured cluster names as JSON, or `"*"` for every cluster. */
export const watchedClustersVariable = (clusters: readonly string[] | undefined) =>
  JSON.stringify(clusters ?? '*');

/** An event pattern's `detail` filter on the clusters named; none at all (every cluster) for undefined. */
export const clusterFilter = (
  clusters: readonly string[] | undefined,
): { clusterArn?: { suffix: string }[] } =>
  clusters === undefined ? {} : { clusterArn: clusters.map((name) => ({ suffix: `:cluster/${name}` })) };
